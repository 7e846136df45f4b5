// interop::endpoint <-> struct sockaddr, for the libuv calls that take or give one.
#pragma once

#include <cstddef>

#include <sys/socket.h>

#include "interop/endpoint.hpp"

namespace interop::libuv_detail {

struct socket_address {
    sockaddr_storage storage{};
    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

socket_address to_sockaddr(const endpoint& e) noexcept;

// False for an address family other than IPv4 and IPv6.
bool from_sockaddr(const void* address, std::size_t length, endpoint* out) noexcept;

}  // namespace interop::libuv_detail
