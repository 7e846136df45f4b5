// TCP over non-blocking sockets and an edge-triggered epoll.
//
// Each operation first tries its system call at once, or waits in the socket's queue;
// when epoll reports the socket ready, the queue is served in order until the call
// would block. The rules (who may overtake whom, what is refused) are the adapter
// kit's socket_waits.hpp, the system calls its posix_socket.hpp.
#include <sys/epoll.h>
#include <unistd.h>

#include "tiny_runtime.hpp"

namespace tiny {
namespace {

socket* of(socket_handle h) noexcept { return static_cast<socket*>(h); }

// A null handle is descriptor -1, which the system calls refuse with EBADF.
int fd_of(socket_handle h) noexcept { return h ? of(h)->fd : -1; }

std::error_code wrong_kind() noexcept {
    return std::make_error_code(std::errc::bad_file_descriptor);
}

}  // namespace

socket* runtime::add_socket(int fd) {
    auto* s = new socket{{}, fd};
    epoll_event e{};
    e.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    e.data.ptr = s;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &e);
    sockets_.insert(s);
    return s;
}

void runtime::remove_socket(socket* s) noexcept {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, s->fd, nullptr);
    ::close(s->fd);
    sockets_.erase(s);
    delete s;
}

// One try at the operation's system call; an accepted connection becomes a socket.
posix::attempt runtime::try_now(socket* s, operation* op) {
    int accepted = -1;
    const posix::attempt a = posix::try_once(s->fd, op, &accepted);
    if (accepted >= 0) static_cast<interop::accept_operation*>(op)->accepted = add_socket(accepted);
    return a;
}

// A read, write or accept starts: it waits in s->*queue if it cannot complete now.
void runtime::start(socket* s, op_queue socket::*queue, operation* op) {
    if (refused(op)) return;
    socket::start(
        s->*queue, op, [&](operation* o) { return try_now(s, o); },
        [this](operation* o) { wait(o); });
}

// epoll reports the socket ready: serve each queue in order until a call would block.
void runtime::dispatch(socket* s, std::uint32_t events) {
    if (sockets_.count(s) == 0) return;  // closed earlier in this lap
    const auto try_op = [&](operation* op) { return try_now(s, op); };
    const auto done = [&](operation* op, const posix::attempt& a) {
        const bool connect = op->kind == interop::op_kind::connect;
        if (connect && a.error) remove_socket(s);  // nobody else has its handle
        if (connect && !a.error) static_cast<interop::connect_operation*>(op)->connected = s;
        finish(op, a.error, a.bytes);
    };
    // Errors and hang-ups wake both queues: their next call returns the error or 0.
    // Serving the readers never closes the socket; a failed connect (a writer) does.
    const std::uint32_t failure = EPOLLERR | EPOLLHUP | EPOLLRDHUP;
    if (events & (EPOLLIN | failure)) socket::serve(s->readers, try_op, done);
    if (events & (EPOLLOUT | failure)) socket::serve(s->writers, try_op, done);
}

// --- the primitives ----------------------------------------------------------------------

std::error_code runtime::tcp_listen(const endpoint& local, int backlog,
                                    socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) return std::make_error_code(std::errc::operation_canceled);
    return posix::listen(local, backlog, out, [this](int fd) {
        socket* s = add_socket(fd);
        s->listener = true;
        return s;
    });
}

void runtime::tcp_accept(interop::accept_operation* op) noexcept {
    socket* s = of(op->listener);
    if (s == nullptr || !s->listener) return op->complete(wrong_kind(), 0);
    start(s, &socket::readers, op);
}

void runtime::tcp_connect(interop::connect_operation* op) noexcept {
    if (refused(op)) return;
    const auto add = [this](int fd) { return add_socket(fd); };
    posix::connect(op, add, [&](socket_handle h) {
        connecting::set(op, of(h));  // for cancel: the half-open socket
        of(h)->writers.push_back(op);
        wait(op);
    });
}

void runtime::read(interop::io_operation* op) noexcept {
    socket* s = of(op->socket);
    if (s == nullptr || s->listener) return op->complete(wrong_kind(), 0);
    start(s, &socket::readers, op);
}

void runtime::write(interop::io_operation* op) noexcept {
    socket* s = of(op->socket);
    if (s == nullptr || s->listener) return op->complete(wrong_kind(), 0);
    start(s, &socket::writers, op);
}

void runtime::close(socket_handle h) noexcept {
    socket* s = of(h);
    if (s == nullptr || sockets_.count(s) == 0) return;
    // Released now; what still waits on it learns so from the run queue, later.
    const auto canceled = std::make_error_code(std::errc::operation_canceled);
    s->release_all([&](operation* op) { finish(op, canceled, 0); });
    remove_socket(s);
}

std::error_code runtime::shutdown_write(socket_handle h) noexcept {
    if (h != nullptr && of(h)->listener) return wrong_kind();
    return posix::shutdown_sending(fd_of(h));
}

std::error_code runtime::local_endpoint(socket_handle h, endpoint* out) noexcept {
    return posix::local_address(fd_of(h), out);
}

std::error_code runtime::remote_endpoint(socket_handle h, endpoint* out) noexcept {
    return posix::peer_address(fd_of(h), out);
}

std::error_code runtime::set_no_delay(socket_handle h, bool enabled) noexcept {
    return posix::set_tcp_no_delay(fd_of(h), enabled);
}

int runtime::native_handle(socket_handle h) noexcept { return fd_of(h); }

}  // namespace tiny
