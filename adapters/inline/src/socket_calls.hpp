// Thin wrappers over the BSD socket calls the runtime makes, each trying once without
// blocking. They translate errno into std::error_code in the generic category, whose
// values are the std::errc constants, so ECONNREFUSED compares equal to
// std::errc::connection_refused and so on.
#pragma once

#include <cstddef>
#include <system_error>

#include "interop/endpoint.hpp"

namespace interop::inline_detail {

std::error_code error_from_errno(int error) noexcept;
std::error_code last_error() noexcept;  // errno as an error_code

bool make_nonblocking_cloexec(int fd) noexcept;

// The outcome of trying a non-blocking call once.
struct attempt {
    bool would_block = false;  // not ready: wait for readiness and try again
    std::error_code error;
    std::size_t bytes = 0;
};

attempt receive_once(int fd, std::byte* data, std::size_t size) noexcept;
attempt send_once(int fd, const std::byte* data, std::size_t size) noexcept;
// On success *accepted is a new non-blocking, close-on-exec socket.
attempt accept_once(int listener_fd, int* accepted) noexcept;

// A new non-blocking, close-on-exec TCP socket for the address's family, or -1 with *error set.
int open_tcp_socket(const ip_address& address, std::error_code* error) noexcept;
std::error_code bind_and_listen(int fd, const endpoint& local, int backlog) noexcept;

// Starts connecting. would_block means "in progress": wait until writable, then ask
// connect_result().
attempt start_connect(int fd, const endpoint& peer) noexcept;
std::error_code connect_result(int fd) noexcept;

std::error_code local_address(int fd, endpoint* out) noexcept;
std::error_code peer_address(int fd, endpoint* out) noexcept;
std::error_code shutdown_sending(int fd) noexcept;
std::error_code set_tcp_no_delay(int fd, bool enabled) noexcept;

// For name resolution: a sockaddr from getaddrinfo as an endpoint. False for families
// other than IPv4 and IPv6.
bool endpoint_from_sockaddr(const void* address, std::size_t length, endpoint* out) noexcept;

}  // namespace interop::inline_detail
