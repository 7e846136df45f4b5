// Reading, writing and shutting down connected sockets.
//
// Reading. The first read starts libuv reading (uv_read_start) and reading then stays
// on: stopping and restarting it around every read would cost two epoll_ctl calls per
// message. While a read is pending, libuv reads straight into that read's buffer
// (on_alloc hands it over); bytes that arrive with no read pending go to the socket's
// stash, and the next read takes them from there at once. So:
//   - a cancelled read is only detached: it consumed nothing, later bytes wait in the
//     stash for the next read;
//   - reading stops only as back-pressure, when the stash is full, and starts again
//     when a read finds the stash empty;
//   - end of stream and errors are remembered and reported, after the stashed bytes,
//     to every later read (end of stream as 0).
//
// Writing. A write first tries uv_try_write and, when the kernel took anything,
// completes at once with that count (a short count is a valid answer; the core loops
// for "write all"). Only when the send buffer is full does it wait: it copies up to
// write_spill::capacity bytes into the socket's own buffer and hands *that* to uv_write,
// whose callback comes once the socket had room. That buffer and the uv_write_t come
// with the first write that has to wait (a connection whose send buffer never fills
// never has them) and stay with the socket. The callback then also offers the rest
// straight from the caller's buffer with uv_try_write, and completes the write with
// what went out.
//   libuv cannot take back a queued uv_write, and it would read its buffer until the
// callback. Because that buffer is the socket's copy, cancelling a waiting write is
// simple and safe: the write completes at once, reporting the copied bytes as
// written, and libuv sends them unless the connection fails (or the socket is closed
// first). "A write either reports how much was written or nothing" holds, and the
// caller's buffer is never read after the write completed. A write started while
// such a copy is still on its way waits for it, so bytes never overtake each other.
#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "errors.hpp"
#include "loop.hpp"
#include "op_data.hpp"

namespace interop::libuv_detail {
namespace {

uv_buf_t buffer_of(const std::byte* data, std::size_t size) noexcept {
    uv_buf_t buf{};
    // libuv only reads through the pointer of a write.
    buf.base = const_cast<char*>(reinterpret_cast<const char*>(data));
    buf.len = size;
    return buf;
}

}  // namespace

stream_socket* loop::stream_for(io_operation* op, io_operation* stream_socket::*pending) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return nullptr;
    stream_socket* socket = find_socket(op->socket);
    std::error_code refused;
    if (!socket || socket->kind != stream_socket::role::stream) {
        refused = bad_handle();  // unknown, closed, or a listener
    } else if (op->size == 0) {
        // Zero bytes: a read would report 0, which means end of stream, and a write
        // has nothing to send; say 0 without asking.
    } else if (socket->*pending != nullptr) {
        refused = busy();  // the contract allows one pending read and one pending write
    } else {
        return socket;
    }
    op->complete(refused, 0);
    return nullptr;
}

// --- reading ----------------------------------------------------------------------------

void loop::read(io_operation* op) noexcept {
    stream_socket* socket = stream_for(op, &stream_socket::read_op);
    if (socket == nullptr) return;
    if (!socket->stash.empty())
        return op->complete(no_error, socket->stash.take(op->data, op->size));
    if (socket->read_error != 0) return op->complete(error_from_uv(socket->read_error), 0);
    if (socket->at_eof) return op->complete({}, 0);
    if (!socket->reading) {
        const int status = uv_read_start(socket->stream(), &loop::on_alloc, &loop::on_read);
        if (status < 0) return op->complete(error_from_uv(status), 0);
        socket->reading = true;
    }
    socket->read_op = op;
    set_waits_on(op, socket);
    park(op);
}

void loop::stop_reading(stream_socket* socket) noexcept {
    if (!socket->reading) return;
    uv_read_stop(socket->stream());
    socket->reading = false;
}

// libuv asks for a buffer just before each read(2), and reports into it right after,
// with no user code in between: the pending read cannot change in the meantime.
void loop::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
    stream_socket* socket = stream_socket::of(handle);
    if (io_operation* op = socket->read_op) {
        *buf = buffer_of(op->data, op->size);
    } else {
        *buf = socket->stash.space();
    }
}

void loop::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    stream_socket* socket = stream_socket::of(stream);
    loop& self = *socket->owner;
    if (nread > 0) {
        const auto n = static_cast<std::size_t>(nread);
        io_operation* op = socket->read_op;
        if (op && buf->base == reinterpret_cast<char*>(op->data)) {
            socket->read_op = nullptr;
            // The task may read, write or close this socket from here: libuv allows
            // all of it inside a read callback, and reads no further once the buffer
            // was not filled or reading stopped.
            self.finish_now(op, no_error, n);
            return;
        }
        socket->stash.commit(n);
        if (socket->stash.full()) self.stop_reading(socket);  // back-pressure
        return;
    }
    if (nread == 0) return;  // EAGAIN: nothing this time
    // End of stream, an error, or no room left in the stash: reading stops here.
    // (libuv stops by itself after EOF and errors; stopping again is harmless.)
    self.stop_reading(socket);
    if (nread == UV_ENOBUFS) return;  // the next read drains the stash and starts again
    std::error_code error;
    if (nread == UV_EOF) {
        socket->at_eof = true;
    } else {
        socket->read_error = static_cast<int>(nread);
        error = error_from_uv(socket->read_error);
    }
    // A pending read means the stash is empty (reads take from it first): report now.
    if (io_operation* op = std::exchange(socket->read_op, nullptr)) self.finish(op, error, 0);
}

// --- writing ----------------------------------------------------------------------------

void loop::write(io_operation* op) noexcept {
    stream_socket* socket = stream_for(op, &stream_socket::write_op);
    if (socket == nullptr) return;
    // After shutdown_write nothing more may be sent. (libuv would send it before the
    // FIN, which it sends only on the next turn of the loop.)
    if (socket->shut_down) return op->complete(std::make_error_code(std::errc::broken_pipe), 0);
    if (socket->write_in_flight) {
        // The copy of a cancelled write is still on its way: wait for it (on_written).
        socket->write_op = op;
        socket->write_started = false;
        set_waits_on(op, socket);
        return park(op);
    }
    const write_attempt attempt = start_write(socket, op);
    if (attempt.pending) return park(op);
    op->complete(attempt.error, attempt.bytes);
}

// The same first attempt as write() and start_write(), where nothing waits: a write
// pending or a copy on its way, a shutdown, a stopped loop, and every error leave the
// write to write().
std::size_t loop::try_write(socket_handle s, const std::byte* data, std::size_t size) noexcept {
    stream_socket* socket = find_socket(s);
    if (socket == nullptr || socket->kind != stream_socket::role::stream || size == 0 ||
        socket->write_op != nullptr || socket->write_in_flight || socket->shut_down ||
        queue_.stopped())
        return 0;
    const uv_buf_t whole = buffer_of(data, size);
    const int written = uv_try_write(socket->stream(), &whole, 1);
    return written > 0 ? static_cast<std::size_t>(written) : 0;
}

loop::write_attempt loop::start_write(stream_socket* socket, io_operation* op) noexcept {
    const uv_buf_t whole = buffer_of(op->data, op->size);
    const int written = uv_try_write(socket->stream(), &whole, 1);
    if (written > 0) return {false, no_error, static_cast<std::size_t>(written)};
    if (written < 0 && written != UV_EAGAIN) return {false, error_from_uv(written), 0};

    // The send buffer is full: wait for room, with a copy of the first bytes.
    if (!socket->spill) socket->spill.reset(new (std::nothrow) write_spill);
    write_spill* spill = socket->spill.get();
    if (!spill) return {false, out_of_memory(), 0};
    const std::size_t n = std::min(op->size, write_spill::capacity);
    std::memcpy(spill->copy, op->data, n);
    const uv_buf_t copy = buffer_of(spill->copy, n);
    // libuv calls on_written from the loop, never from inside uv_write.
    const int status = uv_write(&spill->request, socket->stream(), &copy, 1, &loop::on_written);
    if (status < 0) return {false, error_from_uv(status), 0};
    socket->write_in_flight = true;
    spill->copied = n;
    socket->write_op = op;
    socket->write_started = true;
    set_waits_on(op, socket);
    return {true, {}, 0};
}

void loop::on_written(uv_write_t* request, int status) {
    stream_socket* socket = stream_socket::of(request->handle);
    socket->write_in_flight = false;
    // No operation: it was cancelled (and reported the copy as written), or the socket
    // is closing (and close_socket completed it).
    io_operation* op = socket->write_op;
    if (!op) return;
    loop& self = *socket->owner;
    if (!socket->write_started) {  // it waited behind a cancelled write's copy
        const write_attempt attempt = self.start_write(socket, op);
        if (attempt.pending) return;
        socket->write_op = nullptr;
        return self.finish(op, attempt.error, attempt.bytes);
    }
    socket->write_op = nullptr;
    if (status < 0) return self.finish(op, error_from_uv(status), 0);  // nothing was written
    std::size_t sent = socket->spill->copied;
    if (op->size > sent) {
        // The socket has just had room: offer the rest from the caller's buffer. If
        // that fails, the next write reports why; this one reports what went out.
        const uv_buf_t rest = buffer_of(op->data + sent, op->size - sent);
        const int more = uv_try_write(socket->stream(), &rest, 1);
        if (more > 0) sent += static_cast<std::size_t>(more);
    }
    self.finish(op, {}, sent);
}

void loop::cancel_write(io_operation* op) noexcept {
    stream_socket* socket = waits_on<stream_socket>(op);
    socket->write_op = nullptr;
    if (socket->write_started) {
        // Its first bytes are with libuv, in the socket's copy, and will be sent.
        finish(op, {}, socket->spill->copied);
    } else {
        finish(op, canceled(), 0);  // it never started: nothing was written
    }
}

// --- shutdown ---------------------------------------------------------------------------

std::error_code loop::shutdown_write(socket_handle s) noexcept {
    stream_socket* socket = find_socket(s);
    if (!socket || socket->kind != stream_socket::role::stream) return bad_handle();
    // A pipe's end: libuv would accept the shutdown and only its callback would learn
    // that shutdown() fails there; say so now, as the other runtimes do.
    if (socket->domain == stream_socket::family::pipe)
        return std::make_error_code(std::errc::not_a_socket);
    if (socket->shut_down) return {};  // a second shutdown is harmless
    if (!socket->shutdown_req) socket->shutdown_req.reset(new (std::nothrow) uv_shutdown_t{});
    if (!socket->shutdown_req) return out_of_memory();
    // libuv sends the FIN once the writes queued before it have gone. Its result has
    // nowhere to go (this call has returned by then): a failure shows in the next read.
    const int status = uv_shutdown(socket->shutdown_req.get(), socket->stream(), nullptr);
    // UV_ENOTCONN: shut down already, or the connection failed; either way nothing
    // more will be sent, which is all that was asked for.
    if (status < 0 && status != UV_ENOTCONN) return error_from_uv(status);
    socket->shut_down = true;
    return {};
}

}  // namespace interop::libuv_detail
