// TCP: the socket primitives and readiness dispatch.
//
// Every operation first tries its system call at once and completes inline when that
// succeeds or fails for good (the fast path: a read that finds bytes waiting costs one
// recv and no trip through the loop); a read skips the try when the socket's last
// recv drained it (see socket_slot::drained). Only "would block" parks it on the socket's
// wait list (and puts the socket in the loop's epoll set, the first time); when the
// socket is reported ready the loop retries the operations at the head of the list,
// in the order they started. A parked read calls recv() only
// when it is served, never when it is cancelled, so a cancelled read consumes nothing.
// A stream has at most one read and one write pending (the contract); a second one is
// refused with device_or_resource_busy. Accepts on a listener queue up. Those rules
// are the adapter kit's socket_waits, the system calls its posix_socket.
#include <new>

#include "interop/runtime/posix_pipe.hpp"
#include "loop.hpp"
#include "op_data.hpp"

namespace interop::inline_detail {
namespace {

namespace posix = kit::posix;

std::error_code bad_handle() noexcept {
    return std::make_error_code(std::errc::bad_file_descriptor);
}
std::error_code canceled() noexcept { return std::make_error_code(std::errc::operation_canceled); }

}  // namespace

std::error_code loop::tcp_listen(const endpoint& local, int backlog, socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) return canceled();
    return posix::listen(local, backlog, out,
                         [this](int fd) { return sockets_.add(fd, socket_kind::listener); });
}

void loop::tcp_accept(accept_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    socket_slot* listener = sockets_.find(op->listener, socket_kind::listener);
    if (!listener) return op->complete(bad_handle(), 0);
    socket_slot::start(
        listener->readers, op, [&](operation*) { return read_once(*listener, op); },
        [&](operation* o) { park_on(*listener, o); });
}

void loop::tcp_connect(connect_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    // In progress, the socket has a slot already (so the loop can watch it and cancel()
    // can close it), but the core sees its handle only once the connection is made.
    const auto add = [this](int fd) { return sockets_.add(fd, socket_kind::stream); };
    posix::connect(op, add, [&](socket_handle handle) { park_connect(op, handle); });
}

void loop::read(io_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    socket_slot* socket = sockets_.find_stream(op->socket);
    if (!socket) return op->complete(bad_handle(), 0);
    // recv() of zero bytes would report 0, which means end of stream; say 0 without asking.
    if (op->size == 0) return op->complete({}, 0);
    socket_slot::start(
        socket->readers, op,
        [&](operation*) {
            return socket->drained ? attempt{true, {}, 0} : receive(*socket, op);
        },
        [&](operation* o) { park_on(*socket, o); });
}

void loop::write(io_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    socket_slot* socket = sockets_.find_stream(op->socket);
    if (!socket) return op->complete(bad_handle(), 0);
    if (op->size == 0) return op->complete({}, 0);
    socket_slot::start(
        socket->writers, op, [&](operation*) { return send(*socket, op->data, op->size); },
        [&](operation* o) { park_on(*socket, o); });
}

// write()'s first attempt where nothing waits: a waiting write, a stopped loop and
// every error leave the write to write().
std::size_t loop::try_write(socket_handle s, const std::byte* data, std::size_t size) noexcept {
    socket_slot* socket = sockets_.find_stream(s);
    if (socket == nullptr || size == 0 || !socket->writers.empty() || queue_.stopped()) return 0;
    const attempt result = send(*socket, data, size);
    return result.would_block || result.error ? 0 : result.bytes;
}

std::error_code loop::shutdown_write(socket_handle s) noexcept {
    const socket_slot* socket = sockets_.find_stream(s);
    return socket ? posix::shutdown_sending(socket->fd) : bad_handle();
}

void loop::close(socket_handle s) noexcept {
    socket_slot* socket = sockets_.find(s);
    if (!socket) return;
    // The descriptor goes now; the operations still waiting on it learn about it from
    // the run queue, never from inside close().
    socket->release_all([this](operation* op) { finish(op, canceled(), 0); });
    forget_socket(s);
}

std::error_code loop::local_endpoint(socket_handle s, endpoint* out) noexcept {
    const socket_slot* socket = sockets_.find(s);
    return socket ? posix::local_address(socket->fd, out) : bad_handle();
}

std::error_code loop::remote_endpoint(socket_handle s, endpoint* out) noexcept {
    const socket_slot* socket = sockets_.find(s);
    return socket ? posix::peer_address(socket->fd, out) : bad_handle();
}

std::error_code loop::set_no_delay(socket_handle s, bool enabled) noexcept {
    const socket_slot* socket = sockets_.find(s);
    return socket ? posix::set_tcp_no_delay(socket->fd, enabled) : bad_handle();
}

int loop::native_handle(socket_handle s) noexcept {
    const socket_slot* socket = sockets_.find(s);
    return socket ? socket->fd : -1;
}

// --- readiness -----------------------------------------------------------------------

void loop::park_on(socket_slot& socket, operation* op) {
    if (const std::error_code error = watch(socket)) {
        socket.remove(op);
        return op->complete(error, 0);
    }
    park(op);
}

// A connect in progress waits for its socket to become writable.
void loop::park_connect(operation* op, socket_handle handle) {
    socket_slot* socket = sockets_.find(handle);
    if (const std::error_code error = watch(*socket)) {
        forget_socket(handle);
        return op->complete(error, 0);
    }
    connecting_on::set(op, handle);
    socket->writers.push_back(op);
    park(op);
}

void loop::socket_ready(socket_handle handle, bool readable, bool writable, bool hung_up) {
    // Serving never closes this socket (only a failed connect, its only operation,
    // does), and slots never move: the pointer holds throughout.
    socket_slot* socket = sockets_.find(handle);
    if (socket == nullptr) return;
    if (readable) {
        // Whatever the report is about, the socket is no longer known to be empty.
        socket->drained = false;
        if (hung_up) socket->hung_up = true;
        if (!socket->readers.empty()) serve_readers(*socket);
    }
    // An edge-triggered report says "writable" along with most others, mostly with no
    // write waiting.
    if (writable && !socket->writers.empty()) serve_writers(*socket, handle);
}

attempt loop::receive(socket_slot& socket, io_operation* op) {
    const attempt result = socket.kind == socket_kind::pipe
                               ? posix::read_once(socket.fd, op->data, op->size)
                               : posix::receive_once(socket.fd, op->data, op->size);
    socket.drained = !socket.hung_up && result.bytes > 0 && result.bytes < op->size;
    return result;
}

attempt loop::send(socket_slot& socket, const std::byte* data, std::size_t size) {
    return socket.kind == socket_kind::pipe ? posix::write_once(socket.fd, data, size)
                                            : posix::send_once(socket.fd, data, size);
}

attempt loop::read_once(socket_slot& socket, operation* op) {
    if (op->kind == op_kind::read) return receive(socket, static_cast<io_operation*>(op));
    if (op->kind == op_kind::receive_from) {
        return posix::receive_datagram_once(socket.fd, static_cast<datagram_operation*>(op));
    }
    auto* accept = static_cast<accept_operation*>(op);
    try {
        sockets_.reserve_one();  // then a connection taken always has a slot
    } catch (const std::bad_alloc&) {
        // Fails this accept; the connection waits in the backlog for the next one.
        return attempt{false, std::make_error_code(std::errc::not_enough_memory), 0};
    }
    int accepted = -1;
    const attempt result = posix::accept_once(socket.fd, &accepted);
    if (!result.would_block && !result.error)
        accept->accepted = sockets_.add(accepted, socket_kind::stream);
    return result;
}

// Served until a call would block: several connections may be waiting in a listener's
// backlog, and end of stream answers every queued read.
void loop::serve_readers(socket_slot& socket) {
    socket_slot::serve(
        socket.readers, [&](operation* op) { return read_once(socket, op); },
        [this](operation* op, const attempt& result) { finish(op, result.error, result.bytes); });
}

void loop::serve_writers(socket_slot& socket, socket_handle handle) {
    socket_slot::serve(
        socket.writers,
        [&](operation* op) {
            if (op->kind == op_kind::write) {
                auto* write = static_cast<io_operation*>(op);
                return send(socket, write->data, write->size);
            }
            return posix::try_once(socket.fd, op, nullptr);
        },
        [&](operation* op, const attempt& result) {
            if (op->kind == op_kind::connect) {
                if (result.error) {
                    forget_socket(handle);
                } else {
                    static_cast<connect_operation*>(op)->connected = handle;
                }
            }
            finish(op, result.error, result.bytes);
        });
}

void loop::cancel_socket_wait(operation* op) noexcept {
    if (op->kind == op_kind::connect) {
        // The half-made connection belongs to nobody else: close it.
        const socket_handle handle = connecting_on::get(op);
        sockets_.find(handle)->remove(op);
        forget_socket(handle);
        return;
    }
    sockets_.find(kit::socket_of(op))->remove(op);
}

}  // namespace interop::inline_detail
