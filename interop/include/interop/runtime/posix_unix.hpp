/// \file
/// Unix domain stream sockets over POSIX, for adapters (as posix_socket.hpp is for
/// TCP): each call tries once, never blocks, and reports errno as a std::error_code in
/// the generic category. The name queries work on any Unix socket descriptor, whoever
/// opened it (a libuv pipe's or an Asio socket's too). Include it only where
/// <sys/un.h> exists.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <system_error>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "interop/runtime/interface.hpp"
#include "interop/runtime/posix_socket.hpp"
#include "interop/unix_address.hpp"

namespace interop::kit::posix {

/// A sockaddr_un and the length that goes with it.
struct unix_socket_address {
    sockaddr_un address{};
    socklen_t length = 0;

    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&address); }
};

/// An abstract name starts sun_path with a NUL and is exactly as long as it is; a path
/// ends with one.
inline unix_socket_address to_sockaddr(const unix_address& where) noexcept {
    static_assert(sizeof(sockaddr_un::sun_path) > unix_address::max_length);
    unix_socket_address out;
    out.address.sun_family = AF_UNIX;
    const std::string_view name = where.name();
    const std::size_t offset = where.is_abstract() ? 1 : 0;
    std::memcpy(out.address.sun_path + offset, name.data(), name.size());
    const std::size_t used = where.is_path() ? name.size() + 1 : offset + name.size();
    out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + used);
    return out;
}

/// A new non-blocking, close-on-exec Unix stream socket, or -1 with *error set.
inline int open_unix_socket(std::error_code* error) noexcept {
    return open_stream_socket(AF_UNIX, error);
}

/// unix_listen of the contract: a new listening socket in *fd, or an error and no
/// socket. A backlog of 0 or less means the system's default.
inline std::error_code open_unix_listener(const unix_address& local, int backlog,
                                          int* fd) noexcept {
    if (local.is_unnamed()) return std::make_error_code(std::errc::invalid_argument);
    std::error_code error;
    *fd = open_unix_socket(&error);
    if (*fd < 0) return error;
    const unix_socket_address address = to_sockaddr(local);
    if (::bind(*fd, address.get(), address.length) != 0) {
        error = last_error();
    } else if (::listen(*fd, backlog > 0 ? backlog : SOMAXCONN) != 0) {
        error = last_error();
        // The file is this call's own: nothing is left behind by a bind that failed.
        if (local.is_path()) ::unlink(address.address.sun_path);
    }
    if (error) {
        ::close(*fd);
        *fd = -1;
    }
    return error;
}

/// unix_listen of the contract for a loop that waits for readiness: a listening
/// socket, given to the loop with add(fd), which returns its handle for *out.
template <typename Add>
std::error_code unix_listen(const unix_address& local, int backlog, socket_handle* out, Add&& add) {
    *out = nullptr;
    int fd = -1;
    if (const std::error_code error = open_unix_listener(local, backlog, &fd)) return error;
    return adopt(fd, out, add);
}

/// Opens a socket and connects it to `path`. Done at once, or (where a system says
/// "in progress") would_block: wait until writable and ask connect_result(). A full
/// backlog is resource_unavailable_try_again, never a wait (Linux says EAGAIN). On an
/// error no socket is left open.
inline attempt start_unix_connect(const unix_address& path, int* fd) noexcept {
    attempt result;
    if (path.is_unnamed()) {
        result.error = std::make_error_code(std::errc::invalid_argument);
        return result;
    }
    *fd = open_unix_socket(&result.error);
    if (*fd < 0) return result;
    const unix_socket_address address = to_sockaddr(path);
    return connect_new_socket(fd, address.get(), address.length);
}

/// unix_connect of the contract, for a loop that waits for readiness: as connect()
/// (posix_socket.hpp) is for TCP.
template <typename Add, typename Wait>
void unix_connect(unix_connect_operation* op, Add&& add, Wait&& wait) {
    int fd = -1;
    const attempt started = start_unix_connect(op->path, &fd);
    go_on_connecting(op, started, fd, add, wait);
}

/// Two connected, non-blocking, close-on-exec stream sockets.
inline std::error_code open_unix_pair(int fds[2]) noexcept {
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
        return last_error();
    }
#else
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return last_error();
    if (const std::error_code error = make_pair_nonblocking_cloexec(fds)) return error;
#endif
    detail::suppress_sigpipe(fds[0]);
    detail::suppress_sigpipe(fds[1]);
    return {};
}

/// unix_pair of the contract for a loop that waits for readiness: both sockets given
/// to the loop with add(fd); drop(handle) takes back the first when the second cannot
/// be added. On an error neither is left open.
template <typename Add, typename Drop>
std::error_code unix_pair(socket_handle* first, socket_handle* second, Add&& add, Drop&& drop) {
    *first = *second = nullptr;
    int fds[2] = {-1, -1};
    if (const std::error_code error = open_unix_pair(fds)) return error;
    return adopt_pair(fds, first, second, add, drop);
}

/// unix_address_of of the contract, on any Unix socket descriptor.
inline std::error_code unix_name(int fd, bool peer, unix_address* out) noexcept {
    sockaddr_un address{};
    socklen_t length = sizeof address;
    auto* name = reinterpret_cast<sockaddr*>(&address);
    if ((peer ? ::getpeername(fd, name, &length) : ::getsockname(fd, name, &length)) != 0) {
        return last_error();
    }
    if (address.sun_family != AF_UNIX) {
        return std::make_error_code(std::errc::address_family_not_supported);
    }
    const std::size_t header = offsetof(sockaddr_un, sun_path);
    const std::size_t size = length > header ? length - header : 0;
    *out = unix_address::from_native(
        address.sun_path, size < sizeof address.sun_path ? size : sizeof address.sun_path);
    return {};
}

}  // namespace interop::kit::posix
