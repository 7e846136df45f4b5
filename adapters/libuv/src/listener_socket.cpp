#include "listener_socket.hpp"

#include <cerrno>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "address.hpp"

namespace interop::libuv_detail {
namespace {

std::error_code last_error() noexcept { return {errno, std::generic_category()}; }

}  // namespace

int open_listening_socket(const endpoint& local, int backlog, std::error_code* error) noexcept {
    const bool v6 = local.address.is_v6();
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = last_error();
        return -1;
    }
    const int on = 1;
    // Restarting a server must not fail while old connections sit in TIME_WAIT; an
    // IPv6 listener serves IPv6 only, as on every adapter.
    const socket_address address = to_sockaddr(local);
    const socklen_t length = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        (v6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
        ::bind(fd, address.get(), length) != 0 || ::listen(fd, backlog) != 0) {
        *error = last_error();
        ::close(fd);
        return -1;
    }
    return fd;
}

accepted accept_connection(int listening_fd) noexcept {
    for (;;) {
        const int fd = ::accept4(listening_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) return {fd, false, {}};
        // Gone before it was accepted, or interrupted: take the next one.
        if (errno == ECONNABORTED || errno == EPROTO || errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return {-1, true, {}};
        return {-1, false, last_error()};
    }
}

}  // namespace interop::libuv_detail
