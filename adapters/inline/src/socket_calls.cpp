#include "socket_calls.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace interop::inline_detail {
namespace {

// Writing to a socket whose peer has gone must report EPIPE, not kill the process with
// SIGPIPE. Linux and the BSDs say so per call (MSG_NOSIGNAL); macOS per socket.
#if defined(MSG_NOSIGNAL)
constexpr int send_flags = MSG_NOSIGNAL;
void suppress_sigpipe(int) noexcept {}
#else
constexpr int send_flags = 0;
void suppress_sigpipe(int fd) noexcept {
#if defined(SO_NOSIGPIPE)
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#else
    (void)fd;
#endif
}
#endif

bool would_block(int error) noexcept { return error == EAGAIN || error == EWOULDBLOCK; }

struct socket_address {
    sockaddr_storage storage{};
    socklen_t length = 0;

    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

socket_address to_sockaddr(const endpoint& e) noexcept {
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

using name_getter = int (*)(int, sockaddr*, socklen_t*);

std::error_code socket_name(name_getter get, int fd, endpoint* out) noexcept {
    socket_address address;
    address.length = sizeof address.storage;
    if (get(fd, reinterpret_cast<sockaddr*>(&address.storage), &address.length) != 0)
        return last_error();
    if (!endpoint_from_sockaddr(&address.storage, address.length, out))
        return std::make_error_code(std::errc::address_family_not_supported);
    return {};
}

}  // namespace

std::error_code error_from_errno(int error) noexcept {
    if (error == 0) return {};
    return {error, std::generic_category()};
}

std::error_code last_error() noexcept { return error_from_errno(errno); }

bool make_nonblocking_cloexec(int fd) noexcept {
    const int status = ::fcntl(fd, F_GETFL);
    if (status < 0 || ::fcntl(fd, F_SETFL, status | O_NONBLOCK) != 0) return false;
    const int descriptor = ::fcntl(fd, F_GETFD);
    return descriptor >= 0 && ::fcntl(fd, F_SETFD, descriptor | FD_CLOEXEC) == 0;
}

attempt receive_once(int fd, std::byte* data, std::size_t size) noexcept {
    for (;;) {
        const auto got = ::recv(fd, data, size, 0);
        if (got >= 0) return {false, {}, static_cast<std::size_t>(got)};  // 0: end of stream
        if (errno == EINTR) continue;
        if (would_block(errno)) return {true, {}, 0};
        return {false, last_error(), 0};
    }
}

attempt send_once(int fd, const std::byte* data, std::size_t size) noexcept {
    for (;;) {
        const auto sent = ::send(fd, data, size, send_flags);
        if (sent >= 0) return {false, {}, static_cast<std::size_t>(sent)};
        if (errno == EINTR) continue;
        if (would_block(errno)) return {true, {}, 0};
        return {false, last_error(), 0};
    }
}

attempt accept_once(int listener_fd, int* accepted) noexcept {
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
            suppress_sigpipe(fd);
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

int open_tcp_socket(const ip_address& address, std::error_code* error) noexcept {
    const int family = address.is_v6() ? AF_INET6 : AF_INET;
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
    suppress_sigpipe(fd);
    return fd;
}

std::error_code bind_and_listen(int fd, const endpoint& local, int backlog) noexcept {
    const int on = 1;
    // Restarting a server must not fail while old connections sit in TIME_WAIT.
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) return last_error();
    // An IPv6 listener serves IPv6 only, the same on every platform; listen on both
    // families to serve both.
    if (local.address.is_v6() && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0)
        return last_error();
    const socket_address address = to_sockaddr(local);
    if (::bind(fd, address.get(), address.length) != 0) return last_error();
    if (::listen(fd, backlog > 0 ? backlog : SOMAXCONN) != 0) return last_error();
    return {};
}

attempt start_connect(int fd, const endpoint& peer) noexcept {
    const socket_address address = to_sockaddr(peer);
    if (::connect(fd, address.get(), address.length) == 0) return {};
    // After EINTR the connection carries on asynchronously, just like EINPROGRESS.
    if (errno == EINPROGRESS || errno == EINTR) return {true, {}, 0};
    return {false, last_error(), 0};
}

std::error_code connect_result(int fd) noexcept {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return last_error();
    return error_from_errno(error);
}

std::error_code local_address(int fd, endpoint* out) noexcept {
    return socket_name(&::getsockname, fd, out);
}

std::error_code peer_address(int fd, endpoint* out) noexcept {
    return socket_name(&::getpeername, fd, out);
}

std::error_code shutdown_sending(int fd) noexcept {
    if (::shutdown(fd, SHUT_WR) == 0) return {};
    // Already shut down, or the peer is gone: either way nothing more will be sent,
    // which is all the caller asked for.
    if (errno == ENOTCONN) return {};
    return last_error();
}

std::error_code set_tcp_no_delay(int fd, bool enabled) noexcept {
    const int value = enabled ? 1 : 0;
    if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) != 0) return last_error();
    return {};
}

bool endpoint_from_sockaddr(const void* address, std::size_t length, endpoint* out) noexcept {
    // Copy into properly typed structs rather than casting: the bytes may come from a
    // buffer of another type.
    sockaddr_storage storage{};
    if (length > sizeof storage) return false;
    std::memcpy(&storage, address, length);

    if (storage.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
        sockaddr_in sin;
        std::memcpy(&sin, &storage, sizeof sin);
        std::array<std::uint8_t, 4> bytes;
        std::memcpy(bytes.data(), &sin.sin_addr, 4);
        *out = endpoint{ip_address::v4(bytes), ntohs(sin.sin_port)};
        return true;
    }
    if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, &storage, sizeof sin6);
        std::array<std::uint8_t, 16> bytes;
        std::memcpy(bytes.data(), &sin6.sin6_addr, 16);
        *out = endpoint{ip_address::v6(bytes, sin6.sin6_scope_id), ntohs(sin6.sin6_port)};
        return true;
    }
    return false;
}

}  // namespace interop::inline_detail
