// TCP over non-blocking sockets and an edge-triggered epoll.
//
// Each operation first tries its system call at once, or waits in the socket's queue;
// when epoll reports the socket ready, the queue is served in order until the call
// would block. The rules (who may overtake whom, what is refused) are the adapter
// kit's socket_waits.hpp, the system calls its posix_socket.hpp.
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.hpp"

namespace tiny {
namespace {

using interop::endpoint;

std::error_code bad_handle() noexcept {
    return std::make_error_code(std::errc::bad_file_descriptor);
}

socket* of(interop::socket_handle h) noexcept { return static_cast<socket*>(h); }

}  // namespace

socket* loop::add_socket(int fd) {
    auto* s = new socket;
    s->fd = fd;
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

// One try at the operation's system call; an accepted connection becomes a socket.
posix::attempt loop::try_now(socket* s, operation* op) {
    int accepted = -1;
    const posix::attempt a = posix::try_once(s->fd, op, &accepted);
    if (accepted >= 0) static_cast<interop::accept_operation*>(op)->accepted = add_socket(accepted);
    return a;
}

void loop::start(socket* s, op_queue& queue, operation* op) {
    socket::start(
        queue, op, [&](operation* o) { return try_now(s, o); }, [this](operation* o) { wait(o); });
}

void loop::dispatch(socket* s, std::uint32_t events) {
    if (sockets_.count(s) == 0) return;  // closed earlier in this lap
    // Errors and hang-ups wake both queues: their next call returns the error or 0.
    // Serving the readers never closes the socket; a failed connect does.
    const std::uint32_t failure = EPOLLERR | EPOLLHUP | EPOLLRDHUP;
    if (events & (EPOLLIN | failure)) serve(s, s->readers);
    if (events & (EPOLLOUT | failure)) serve(s, s->writers);
}

void loop::serve(socket* s, op_queue& queue) {
    socket::serve(
        queue, [&](operation* op) { return try_now(s, op); },
        [&](operation* op, const posix::attempt& a) {
            if (op->kind == interop::op_kind::connect) {
                if (a.error) {
                    remove_socket(s);
                } else {
                    static_cast<interop::connect_operation*>(op)->connected = s;
                }
            }
            finish(op, a.error, a.bytes);
        });
}

// --- the primitives ----------------------------------------------------------------------

std::error_code loop::tcp_listen(const endpoint& local, int backlog,
                                 interop::socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) return std::make_error_code(std::errc::operation_canceled);
    int fd = -1;
    const std::error_code error = posix::open_listener(local, backlog, &fd);
    if (!error) *out = add_socket(fd);
    return error;
}

void loop::tcp_accept(interop::accept_operation* op) noexcept {
    if (refused(op)) return;
    socket* s = of(op->listener);
    start(s, s->readers, op);
}

void loop::tcp_connect(interop::connect_operation* op) noexcept {
    if (refused(op)) return;
    int fd = -1;
    const posix::attempt a = posix::start_connect(op->peer, &fd);
    if (a.error) return op->complete(a.error, 0);
    socket* s = add_socket(fd);
    if (!a.would_block) {
        op->connected = s;
        return op->complete({}, 0);
    }
    connecting::set(op, s);  // for cancel: the half-open socket
    s->writers.push_back(op);
    wait(op);
}

void loop::read(interop::io_operation* op) noexcept {
    if (refused(op)) return;
    socket* s = of(op->socket);
    start(s, s->readers, op);
}

void loop::write(interop::io_operation* op) noexcept {
    if (refused(op)) return;
    socket* s = of(op->socket);
    start(s, s->writers, op);
}

void loop::close(interop::socket_handle h) noexcept {
    socket* s = of(h);
    if (s == nullptr || sockets_.count(s) == 0) return;
    // Released now; what still waits on it learns so from the run queue, later.
    const auto canceled = std::make_error_code(std::errc::operation_canceled);
    s->release_all([&](operation* op) { finish(op, canceled, 0); });
    remove_socket(s);
}

std::error_code loop::shutdown_write(interop::socket_handle h) noexcept {
    return h ? posix::shutdown_sending(of(h)->fd) : bad_handle();
}

std::error_code loop::local_endpoint(interop::socket_handle h, endpoint* out) noexcept {
    return h ? posix::local_address(of(h)->fd, out) : bad_handle();
}

std::error_code loop::remote_endpoint(interop::socket_handle h, endpoint* out) noexcept {
    return h ? posix::peer_address(of(h)->fd, out) : bad_handle();
}

std::error_code loop::set_no_delay(interop::socket_handle h, bool enabled) noexcept {
    return h ? posix::set_tcp_no_delay(of(h)->fd, enabled) : bad_handle();
}

}  // namespace tiny
