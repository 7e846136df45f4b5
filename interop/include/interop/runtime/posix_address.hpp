/// \file
/// interop::endpoint <-> struct sockaddr, for adapters over POSIX sockets, or over a
/// library whose calls take a sockaddr (libuv).
///
/// Not part of the core, which depends only on the C++20 standard library: this header
/// needs <sys/socket.h> and is included only by adapters that have it. Header-only, so
/// the core library builds the same everywhere.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <netinet/in.h>
#include <sys/socket.h>

#include "interop/endpoint.hpp"

namespace interop::kit::posix {

/// Room for any address family; `length` is what the system calls take and give.
struct socket_address {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;

    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
    sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
};

/// Built in properly typed structs and copied, never cast in place: sockaddr_storage
/// and the structs for each family are different types to the compiler.
inline socket_address to_sockaddr(const endpoint& e) noexcept {
    socket_address out;
    if (e.address.is_v4()) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(e.port);
        std::memcpy(&sin.sin_addr, e.address.bytes().data(), 4);
        std::memcpy(&out.storage, &sin, sizeof sin);
        out.length = sizeof sin;
    } else {
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(e.port);
        std::memcpy(&sin6.sin6_addr, e.address.bytes().data(), 16);
        sin6.sin6_scope_id = e.address.scope_id();
        std::memcpy(&out.storage, &sin6, sizeof sin6);
        out.length = sizeof sin6;
    }
    return out;
}

/// False for an address family other than IPv4 and IPv6, or a length too short for
/// its family. The bytes are copied first: they may sit in a buffer of another type
/// (an addrinfo's ai_addr, say).
inline bool from_sockaddr(const void* address, std::size_t length, endpoint* out) noexcept {
    sockaddr_storage storage{};
    if (length > sizeof storage) return false;
    std::memcpy(&storage, address, length);

    if (storage.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
        sockaddr_in sin;
        std::memcpy(&sin, &storage, sizeof sin);
        std::array<std::uint8_t, 4> bytes;
        std::memcpy(bytes.data(), &sin.sin_addr, bytes.size());
        *out = endpoint{ip_address::v4(bytes), ntohs(sin.sin_port)};
        return true;
    }
    if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, &storage, sizeof sin6);
        std::array<std::uint8_t, 16> bytes;
        std::memcpy(bytes.data(), &sin6.sin6_addr, bytes.size());
        *out = endpoint{ip_address::v6(bytes, sin6.sin6_scope_id), ntohs(sin6.sin6_port)};
        return true;
    }
    return false;
}

}  // namespace interop::kit::posix
