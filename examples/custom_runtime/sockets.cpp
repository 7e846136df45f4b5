// TCP over non-blocking sockets and an edge-triggered epoll.
//
// Each operation first tries its system call at once (a read that finds bytes waiting
// completes without a trip through the loop); an accept never overtakes accepts
// already waiting, and a stream refuses a second read (or write) while one waits.
// Otherwise it waits in the socket's queue; when epoll reports the socket ready, the
// queue is served in order until the call would block. A waiting read calls recv()
// only when it is served, never when it is cancelled, so a cancelled read consumes
// nothing.
#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.hpp"

namespace tiny {
namespace {

using interop::endpoint;

std::error_code last_error() noexcept { return {errno, std::generic_category()}; }
bool would_block() noexcept { return errno == EAGAIN || errno == EWOULDBLOCK; }
std::error_code bad_handle() noexcept {
    return std::make_error_code(std::errc::bad_file_descriptor);
}

struct sock_address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

sock_address to_native(const endpoint& e) noexcept {
    sock_address out;
    if (e.address.is_v4()) {
        auto* in = reinterpret_cast<sockaddr_in*>(&out.storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(e.port);
        std::memcpy(&in->sin_addr, e.address.bytes().data(), 4);
        out.length = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(e.port);
        std::memcpy(&in6->sin6_addr, e.address.bytes().data(), 16);
        in6->sin6_scope_id = e.address.scope_id();
        out.length = sizeof(sockaddr_in6);
    }
    return out;
}

std::error_code from_native(const sockaddr_storage& a, endpoint* out) noexcept {
    if (a.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
        std::array<std::uint8_t, 4> bytes;
        std::memcpy(bytes.data(), &in->sin_addr, 4);
        *out = endpoint{interop::ip_address::v4(bytes), ntohs(in->sin_port)};
        return {};
    }
    if (a.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a);
        std::array<std::uint8_t, 16> bytes;
        std::memcpy(bytes.data(), &in6->sin6_addr, 16);
        *out = endpoint{interop::ip_address::v6(bytes, in6->sin6_scope_id), ntohs(in6->sin6_port)};
        return {};
    }
    return std::make_error_code(std::errc::address_family_not_supported);
}

int open_socket(const endpoint& e) noexcept {
    return ::socket(e.address.is_v4() ? AF_INET : AF_INET6,
                    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

socket* of(interop::socket_handle h) noexcept { return static_cast<socket*>(h); }

// One try at an operation's system call.
struct outcome {
    bool done = true;  // false: it would block, so wait
    std::error_code error;
    std::size_t bytes = 0;
    int accepted = -1;
};

outcome attempt(const socket* s, operation* op) noexcept {
    outcome o;
    switch (op->kind) {
        case interop::op_kind::read:
        case interop::op_kind::write: {
            auto* io = static_cast<interop::io_operation*>(op);
            const ssize_t n = op->kind == interop::op_kind::read
                                  ? ::recv(s->fd, io->data, io->size, 0)  // 0: end of stream
                                  : ::send(s->fd, io->data, io->size, MSG_NOSIGNAL);  // no SIGPIPE
            if (n >= 0) {
                o.bytes = static_cast<std::size_t>(n);
            } else if (would_block()) {
                o.done = false;
            } else {
                o.error = last_error();
            }
            return o;
        }
        case interop::op_kind::accept:
            o.accepted = ::accept4(s->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (o.accepted < 0 && would_block())
                o.done = false;
            else if (o.accepted < 0)
                o.error = last_error();
            return o;
        default: {  // a connect: the socket has become writable
            int so_error = 0;
            socklen_t length = sizeof so_error;
            ::getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
            if (so_error != 0) o.error = {so_error, std::generic_category()};
            return o;
        }
    }
}

}  // namespace

socket* loop::add_socket(int fd) {
    auto* s = new socket{fd, {}, {}};
    epoll_event e{};
    e.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    e.data.ptr = s;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &e);
    sockets_.insert(s);
    return s;
}

void loop::remove_socket(socket* s) noexcept {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, s->fd, nullptr);
    ::close(s->fd);
    sockets_.erase(s);
    delete s;
}

void loop::dispatch(socket* s, std::uint32_t events) {
    if (sockets_.count(s) == 0) return;  // closed earlier in this lap
    // Errors and hang-ups wake both queues: their next call returns the error or 0.
    const std::uint32_t failure = EPOLLERR | EPOLLHUP | EPOLLRDHUP;
    if (events & (EPOLLIN | failure)) serve_readers(s);
    if (sockets_.count(s) != 0 && (events & (EPOLLOUT | failure))) serve_writers(s);
}

void loop::serve_readers(socket* s) {
    while (!s->readers.empty()) {
        operation* op = s->readers.front();
        const outcome o = attempt(s, op);
        if (!o.done) return;
        s->readers.pop_front();
        if (op->kind == interop::op_kind::accept && !o.error) {
            static_cast<interop::accept_operation*>(op)->accepted = add_socket(o.accepted);
        }
        finish(op, o.error, o.bytes);
    }
}

void loop::serve_writers(socket* s) {
    while (!s->writers.empty()) {
        operation* op = s->writers.front();
        const outcome o = attempt(s, op);
        if (!o.done) return;
        s->writers.pop_front();
        if (op->kind == interop::op_kind::connect) {
            if (o.error) {
                remove_socket(s);
            } else {
                static_cast<interop::connect_operation*>(op)->connected = s;
            }
            return finish(op, o.error, 0);
        }
        finish(op, o.error, o.bytes);
    }
}

// --- the primitives ----------------------------------------------------------------------

std::error_code loop::tcp_listen(const endpoint& local, int backlog,
                                 interop::socket_handle* out) noexcept {
    *out = nullptr;
    if (stopped_) return std::make_error_code(std::errc::operation_canceled);
    const int fd = open_socket(local);
    if (fd < 0) return last_error();
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (!local.address.is_v4()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    const sock_address a = to_native(local);
    if (::bind(fd, a.get(), a.length) != 0 ||
        ::listen(fd, backlog > 0 ? backlog : SOMAXCONN) != 0) {
        const std::error_code error = last_error();
        ::close(fd);
        return error;
    }
    *out = add_socket(fd);
    return {};
}

void loop::tcp_accept(interop::accept_operation* op) noexcept {
    if (refused_after_stop(op)) return;
    socket* s = of(op->listener);
    if (s->readers.empty()) {  // never overtake an accept that waits
        const outcome o = attempt(s, op);
        if (o.done) {
            if (!o.error) op->accepted = add_socket(o.accepted);
            return op->complete(o.error, 0);
        }
    }
    s->readers.push_back(op);
    wait(op);
}

void loop::tcp_connect(interop::connect_operation* op) noexcept {
    if (refused_after_stop(op)) return;
    const int fd = open_socket(op->peer);
    if (fd < 0) return op->complete(last_error(), 0);
    socket* s = add_socket(fd);
    const sock_address a = to_native(op->peer);
    if (::connect(fd, a.get(), a.length) == 0) {
        op->connected = s;
        return op->complete({}, 0);
    }
    if (errno != EINPROGRESS && errno != EINTR) {
        const std::error_code error = last_error();
        remove_socket(s);
        return op->complete(error, 0);
    }
    connecting::set(op, s);  // for cancel: the half-open socket
    s->writers.push_back(op);
    wait(op);
}

void loop::read(interop::io_operation* op) noexcept {
    if (refused_after_stop(op)) return;
    socket* s = of(op->socket);
    // One read and one write may be pending per stream; a second one is refused.
    if (!s->readers.empty())
        return op->complete(std::make_error_code(std::errc::device_or_resource_busy), 0);
    const outcome o = attempt(s, op);
    if (o.done) return op->complete(o.error, o.bytes);
    s->readers.push_back(op);
    wait(op);
}

void loop::write(interop::io_operation* op) noexcept {
    if (refused_after_stop(op)) return;
    socket* s = of(op->socket);
    if (!s->writers.empty())
        return op->complete(std::make_error_code(std::errc::device_or_resource_busy), 0);
    const outcome o = attempt(s, op);
    if (o.done) return op->complete(o.error, o.bytes);
    s->writers.push_back(op);
    wait(op);
}

std::error_code loop::shutdown_write(interop::socket_handle h) noexcept {
    if (h == nullptr) return bad_handle();
    return ::shutdown(of(h)->fd, SHUT_WR) == 0 ? std::error_code{} : last_error();
}

void loop::close(interop::socket_handle h) noexcept {
    socket* s = of(h);
    if (s == nullptr || sockets_.count(s) == 0) return;
    // Released now; what still waits on it learns so from the run queue, later.
    const auto canceled = std::make_error_code(std::errc::operation_canceled);
    while (operation* op = s->readers.pop_front()) finish(op, canceled, 0);
    while (operation* op = s->writers.pop_front()) finish(op, canceled, 0);
    remove_socket(s);
}

std::error_code loop::local_endpoint(interop::socket_handle h, endpoint* out) noexcept {
    if (h == nullptr) return bad_handle();
    sockaddr_storage a{};
    socklen_t length = sizeof a;
    if (::getsockname(of(h)->fd, reinterpret_cast<sockaddr*>(&a), &length) != 0)
        return last_error();
    return from_native(a, out);
}

std::error_code loop::remote_endpoint(interop::socket_handle h, endpoint* out) noexcept {
    if (h == nullptr) return bad_handle();
    sockaddr_storage a{};
    socklen_t length = sizeof a;
    if (::getpeername(of(h)->fd, reinterpret_cast<sockaddr*>(&a), &length) != 0)
        return last_error();
    return from_native(a, out);
}

std::error_code loop::set_no_delay(interop::socket_handle h, bool enabled) noexcept {
    if (h == nullptr) return bad_handle();
    const int on = enabled ? 1 : 0;
    return ::setsockopt(of(h)->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0
               ? std::error_code{}
               : last_error();
}

}  // namespace tiny
