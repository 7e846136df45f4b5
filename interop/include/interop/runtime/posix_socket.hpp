/// \file
/// Non-blocking TCP (and UDP datagrams) over POSIX sockets: each call tries once and never blocks,
/// and reports errno as a std::error_code in the generic category, whose values are the std::errc
/// constants (ECONNREFUSED compares equal to std::errc::connection_refused), which is what the
/// contract asks of every adapter.
///
/// For adapters over POSIX sockets (a poll, epoll or kqueue loop): they wait for
/// readiness their own way and make the calls here. Not part of the core, which
/// depends only on the C++20 standard library: include it only where <sys/socket.h>
/// exists. Header-only and inline, so a read or write on the fast path costs no call
/// into another library.
#pragma once

#include <cerrno>
#include <cstddef>
#include <new>
#include <system_error>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "interop/endpoint.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/runtime/posix_address.hpp"

namespace interop::kit::posix {

inline std::error_code error_from_errno(int error) noexcept {
    if (error == 0) return {};
    return {error, std::generic_category()};
}
inline std::error_code last_error() noexcept { return error_from_errno(errno); }
inline bool would_block(int error) noexcept { return error == EAGAIN || error == EWOULDBLOCK; }

/// The outcome of trying a non-blocking call once.
struct attempt {
    bool would_block = false;  // not ready: wait for readiness and try again
    std::error_code error;
    std::size_t bytes = 0;
};

namespace detail {

// Writing to a socket whose peer has gone must report EPIPE, not kill the process with
// SIGPIPE. Linux and the BSDs say so per call (MSG_NOSIGNAL); macOS per socket.
#if defined(MSG_NOSIGNAL)
inline constexpr int send_flags = MSG_NOSIGNAL;
inline void suppress_sigpipe(int) noexcept {}
#else
inline constexpr int send_flags = 0;
inline void suppress_sigpipe(int fd) noexcept {
#if defined(SO_NOSIGPIPE)
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#else
    (void)fd;
#endif
}
#endif

/// A call that returns a count or -1, retried after EINTR. Always inlined: a read and a
/// write of every message come through here, and as a call of its own it spent a dozen
/// instructions on moving the lambda's captures and the registers around.
template <typename Call>
[[gnu::always_inline]] inline attempt count_once(Call call) noexcept {
    for (;;) {
        const auto n = call();
        if (n >= 0) return {false, no_error, static_cast<std::size_t>(n)};
        if (errno == EINTR) continue;
        if (posix::would_block(errno)) return {true, no_error, 0};
        return {false, last_error(), 0};
    }
}

using name_getter = int (*)(int, sockaddr*, socklen_t*);

inline std::error_code socket_name(name_getter get, int fd, endpoint* out) noexcept {
    socket_address address;
    if (get(fd, address.get(), &address.length) != 0) return last_error();
    if (!from_sockaddr(&address.storage, address.length, out))
        return std::make_error_code(std::errc::address_family_not_supported);
    return {};
}

}  // namespace detail

/// For descriptors made by calls that cannot ask for both flags at once (pipe()).
inline bool make_nonblocking_cloexec(int fd) noexcept {
    const int status = ::fcntl(fd, F_GETFL);
    if (status < 0 || ::fcntl(fd, F_SETFL, status | O_NONBLOCK) != 0) return false;
    const int descriptor = ::fcntl(fd, F_GETFD);
    return descriptor >= 0 && ::fcntl(fd, F_SETFD, descriptor | FD_CLOEXEC) == 0;
}

/// Both descriptors of a new pair (pipe(), socketpair()) made non-blocking and
/// close-on-exec; on failure both are closed and the error is returned.
inline std::error_code make_pair_nonblocking_cloexec(const int fds[2]) noexcept {
    if (make_nonblocking_cloexec(fds[0]) && make_nonblocking_cloexec(fds[1])) return {};
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return {error, std::generic_category()};
}

/// 0 bytes with no error is the end of the stream.
inline attempt receive_once(int fd, std::byte* data, std::size_t size) noexcept {
    return detail::count_once([&] { return ::recv(fd, data, size, 0); });
}

inline attempt send_once(int fd, const std::byte* data, std::size_t size) noexcept {
    return detail::count_once([&] { return ::send(fd, data, size, detail::send_flags); });
}

/// Receives one datagram into op's buffer and its sender into op->peer. A datagram
/// longer than the buffer fills it and reports message_size, the same on every
/// runtime (the system drops the rest).
inline attempt receive_datagram_once(int fd, datagram_operation* op) noexcept {
    socket_address from;
    iovec part{op->data, op->size};
    msghdr message{};
    message.msg_name = &from.storage;
    message.msg_namelen = sizeof from.storage;
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    attempt result = detail::count_once([&] { return ::recvmsg(fd, &message, 0); });
    if (result.would_block || result.error) return result;
    if (!from_sockaddr(&from.storage, message.msg_namelen, &op->peer)) op->peer = endpoint{};
    if ((message.msg_flags & MSG_TRUNC) != 0) {
        result.error = std::make_error_code(std::errc::message_size);
    }
    return result;
}

/// Sends op's buffer as one datagram, to op->peer or (without one) the connected peer.
inline attempt send_datagram_once(int fd, datagram_operation* op) noexcept {
    if (!op->has_peer) {
        return detail::count_once(
            [&] { return ::send(fd, op->data, op->size, detail::send_flags); });
    }
    const socket_address to = to_sockaddr(op->peer);
    return detail::count_once(
        [&] { return ::sendto(fd, op->data, op->size, detail::send_flags, to.get(), to.length); });
}

/// On success *accepted is a new non-blocking, close-on-exec socket.
inline attempt accept_once(int listener_fd, int* accepted) noexcept {
    for (;;) {
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
        const int fd = ::accept4(listener_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
        int fd = ::accept(listener_fd, nullptr, nullptr);
        if (fd >= 0 && !make_nonblocking_cloexec(fd)) {
            const int error = errno;
            ::close(fd);
            return {false, error_from_errno(error), 0};
        }
#endif
        if (fd >= 0) {
            detail::suppress_sigpipe(fd);
            *accepted = fd;
            return {};
        }
        // A connection that was reset while still in the backlog is gone; the listener
        // itself is fine, so move on to the next one.
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
        if (would_block(errno)) return {true, {}, 0};
        return {false, last_error(), 0};
    }
}

/// A new non-blocking, close-on-exec stream socket of `family` (AF_INET, AF_INET6,
/// AF_UNIX) that never raises SIGPIPE, or -1 with *error set.
inline int open_stream_socket(int family, std::error_code* error) noexcept {
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
#else
    int fd = ::socket(family, SOCK_STREAM, 0);
    if (fd >= 0 && !make_nonblocking_cloexec(fd)) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        fd = -1;
    }
#endif
    if (fd < 0) {
        *error = last_error();
        return -1;
    }
    detail::suppress_sigpipe(fd);
    return fd;
}

/// A new non-blocking, close-on-exec TCP socket for the address's family, or -1 with
/// *error set.
inline int open_tcp_socket(const ip_address& address, std::error_code* error) noexcept {
    return open_stream_socket(address.is_v6() ? AF_INET6 : AF_INET, error);
}

/// tcp_listen of the contract: a new listening socket in *fd, or an error and no socket.
/// A backlog of 0 or less means the system's default.
inline std::error_code open_listener(const endpoint& local, int backlog, int* fd) noexcept {
    std::error_code error;
    *fd = open_tcp_socket(local.address, &error);
    if (*fd < 0) return error;
    const int on = 1;
    const socket_address address = to_sockaddr(local);
    // Restarting a server must not fail while old connections sit in TIME_WAIT. An
    // IPv6 listener serves IPv6 only, the same on every platform; listen on both
    // families to serve both.
    if (::setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        (local.address.is_v6() &&
         ::setsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
        ::bind(*fd, address.get(), address.length) != 0 ||
        ::listen(*fd, backlog > 0 ? backlog : SOMAXCONN) != 0) {
        error = last_error();
        ::close(*fd);
        *fd = -1;
    }
    return error;
}

/// Gives `fd` to the loop with add(fd) and returns its handle in *out. When add runs
/// out of memory (std::bad_alloc), the socket is closed and the answer is
/// not_enough_memory, as the contract asks of what one operation needs.
template <typename Add>
std::error_code adopt(int fd, socket_handle* out, Add&& add) {
    try {
        *out = add(fd);
        return {};
    } catch (const std::bad_alloc&) {
        ::close(fd);
        *out = nullptr;
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/// Gives two new descriptors (a socket pair's, a pipe's) to the loop with add(fd), their
/// handles in *first and *second; drop(handle) takes back the first when the second
/// cannot be added. On an error neither is left open.
template <typename Add, typename Drop>
std::error_code adopt_pair(const int fds[2], socket_handle* first, socket_handle* second, Add&& add,
                           Drop&& drop) {
    *first = *second = nullptr;
    if (const std::error_code error = adopt(fds[0], first, add)) {
        ::close(fds[1]);
        return error;
    }
    if (const std::error_code error = adopt(fds[1], second, add)) {
        drop(*first);
        *first = nullptr;
        return error;
    }
    return {};
}

/// tcp_listen of the contract, for a loop that waits for readiness: a listening socket,
/// given to the loop with add(fd), which returns its handle for *out. On an error no
/// socket is left open, and *out is null.
template <typename Add>
std::error_code listen(const endpoint& local, int backlog, socket_handle* out, Add&& add) {
    *out = nullptr;
    int fd = -1;
    const std::error_code error = open_listener(local, backlog, &fd);
    if (error) return error;
    return adopt(fd, out, add);
}

/// connect() of a socket just opened in *fd: done, or would_block ("in progress": wait
/// until writable and ask connect_result()), or failed, the socket closed and *fd -1.
inline attempt connect_new_socket(int* fd, const sockaddr* address, socklen_t length) noexcept {
    attempt result;
    if (::connect(*fd, address, length) == 0) return result;
    // After EINTR the connection carries on asynchronously, just like EINPROGRESS.
    if (errno == EINPROGRESS || errno == EINTR) {
        result.would_block = true;
        return result;
    }
    result.error = last_error();
    ::close(*fd);
    *fd = -1;
    return result;
}

/// Opens a socket and starts connecting it to `peer`. Done at once (rare, even on
/// loopback) or would_block, "in progress": either way *fd is the socket; when in
/// progress, wait until it is writable and ask connect_result(). On an error no
/// socket is left open.
inline attempt start_connect(const endpoint& peer, int* fd) noexcept {
    attempt result;
    *fd = open_tcp_socket(peer.address, &result.error);
    if (*fd < 0) return result;
    const socket_address address = to_sockaddr(peer);
    return connect_new_socket(fd, address.get(), address.length);
}

/// What connect() does once the socket is started (by start_connect, or
/// start_unix_connect for a Unix socket): completes `op` at once, or gives the socket
/// to the loop and waits.
template <typename Add, typename Wait>
void go_on_connecting(connect_operation* op, const attempt& started, int fd, Add&& add,
                      Wait&& wait) {
    if (started.error) return op->complete(started.error, 0);
    socket_handle handle = nullptr;
    if (const std::error_code error = adopt(fd, &handle, add)) return op->complete(error, 0);
    if (started.would_block) return wait(handle);
    op->connected = handle;
    op->complete({}, 0);
}

/// tcp_connect of the contract, for a loop that waits for readiness: opens a socket and
/// starts connecting it to op->peer. add(fd) gives the socket to the loop (to watch it,
/// and to close it if the connect is cancelled) and returns its socket_handle. If the
/// connect fails at once, or succeeds at once (the handle then in op->connected), `op`
/// completes here; when in progress, wait(handle) parks `op` until the socket is
/// writable, and try_once() then tells the outcome. The core sees the handle only once
/// the connection is made.
template <typename Add, typename Wait>
void connect(connect_operation* op, Add&& add, Wait&& wait) {
    int fd = -1;
    const attempt started = start_connect(op->peer, &fd);
    go_on_connecting(op, started, fd, add, wait);
}

/// Once a connecting socket is writable: whether the connection was made.
inline std::error_code connect_result(int fd) noexcept {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return last_error();
    return error_from_errno(error);
}

/// One try at the system call of an operation waiting on `fd`: a read or write of its
/// buffer, a datagram's receive or send, an accept (the new socket in *accepted), or, once fd is
/// writable, the outcome of a connect.
inline attempt try_once(int fd, operation* op, int* accepted) noexcept {
    switch (op->kind) {
        case op_kind::read: {
            auto* io = static_cast<io_operation*>(op);
            return receive_once(fd, io->data, io->size);
        }
        case op_kind::write: {
            auto* io = static_cast<io_operation*>(op);
            return send_once(fd, io->data, io->size);
        }
        case op_kind::receive_from:
            return receive_datagram_once(fd, static_cast<datagram_operation*>(op));
        case op_kind::send_to:
            return send_datagram_once(fd, static_cast<datagram_operation*>(op));
        case op_kind::accept:
            return accept_once(fd, accepted);
        default:  // a connect
            return {false, connect_result(fd), 0};
    }
}

inline std::error_code local_address(int fd, endpoint* out) noexcept {
    return detail::socket_name(&::getsockname, fd, out);
}

inline std::error_code peer_address(int fd, endpoint* out) noexcept {
    return detail::socket_name(&::getpeername, fd, out);
}

inline std::error_code shutdown_sending(int fd) noexcept {
    if (::shutdown(fd, SHUT_WR) == 0) return {};
    // Already shut down, or the peer is gone: either way nothing more will be sent,
    // which is all the caller asked for.
    if (errno == ENOTCONN) return {};
    return last_error();
}

inline std::error_code set_tcp_no_delay(int fd, bool enabled) noexcept {
    const int value = enabled ? 1 : 0;
    if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) != 0) return last_error();
    return {};
}

}  // namespace interop::kit::posix
