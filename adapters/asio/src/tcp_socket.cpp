#include "tcp_socket.hpp"

#include <cerrno>
#include <new>

#if __has_include(<fcntl.h>)
#include <fcntl.h>
#endif

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/defer.hpp>
#include <asio/error.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>

#include "completion.hpp"
#include "endpoints.hpp"
#include "errors.hpp"
#include "runtime.hpp"

namespace interop::asio_detail {
namespace {

std::error_code busy() noexcept { return std::make_error_code(std::errc::device_or_resource_busy); }

// A Unix socket asked for an IP endpoint: Asio would read its sockaddr_un as one.
std::error_code not_an_ip_socket() noexcept {
    return std::make_error_code(std::errc::address_family_not_supported);
}

bool would_block(const std::error_code& ec) noexcept {
    return ec == asio::error::would_block || ec == asio::error::try_again;
}

// Asio opens descriptors without close-on-exec; a process the program starts must not
// inherit its connections (and keep them open after the program closed them).
template <typename Native>
void not_inherited(Native descriptor) noexcept {
#if defined(FD_CLOEXEC)
    const int flags = ::fcntl(descriptor, F_GETFD);
    if (flags >= 0) ::fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC);
#else
    (void)descriptor;
#endif
}

}  // namespace

tcp_socket::tcp_socket(runtime& rt)
    : rt_(rt),
      strand_(asio::make_strand(rt.context())),
      multi_threaded_(rt.multi_threaded()),
      native_(std::in_place_type<asio::ip::tcp::socket>, rt.context()) {}

tcp_socket::tcp_socket(runtime& rt, asio::ip::tcp::socket&& connected, bool unix_domain)
    : rt_(rt),
      strand_(asio::make_strand(rt.context())),
      unix_(unix_domain),
      multi_threaded_(rt.multi_threaded()),
      native_(std::in_place_type<asio::ip::tcp::socket>, std::move(connected)) {}

bool tcp_socket::serialized_here() const noexcept {
    return strand_.running_in_this_thread() || rt_.serialized_here();
}

// --- setup and queries ---------------------------------------------------------------

// Before the handle is published, so no other thread can see the socket yet.
std::error_code tcp_socket::listen(const endpoint& local, int backlog) noexcept {
    const asio::ip::tcp::endpoint at = to_asio(local);
    if (!become<asio::ip::tcp::acceptor>(rt_.context())) return out_of_memory();
    asio::ip::tcp::acceptor& listener = acceptor();
    std::error_code ec;
    listener.open(at.protocol(), ec);
    if (!ec) not_inherited(listener.native_handle());
    // Restarting a server must not fail while old connections sit in TIME_WAIT.
    if (!ec) listener.set_option(asio::socket_base::reuse_address(true), ec);
    // An IPv6 listener serves IPv6 only, as on every backend; listen on both
    // families to serve both.
    if (!ec && at.address().is_v6()) listener.set_option(asio::ip::v6_only(true), ec);
    if (!ec) listener.bind(at, ec);
    if (!ec) listener.listen(backlog, ec);
    // Without this option Asio's accept() retries a connection that was aborted in the
    // backlog by blocking in poll() for the next one; with it, try_accept() moves on.
    if (!ec) listener.set_option(asio::socket_base::enable_connection_aborted(true), ec);
    if (!ec) listener.non_blocking(true, ec);
    return to_interop_error(ec);
}

std::error_code tcp_socket::local_endpoint(endpoint* out) const noexcept {
    if (udp_fd_ >= 0) return local_datagram_endpoint(out);
    if (unix_ || is_pipe_end()) return not_an_ip_socket();
    const auto lock = lock_native();
    std::error_code ec;
    const asio::ip::tcp::endpoint at =
        listening() ? acceptor().local_endpoint(ec) : connection().local_endpoint(ec);
    if (!ec) *out = from_asio(at);
    return to_interop_error(ec);
}

std::error_code tcp_socket::remote_endpoint(endpoint* out) const noexcept {
    if (udp_fd_ >= 0) return remote_datagram_endpoint(out);
    if (unix_ || is_pipe_end()) return not_an_ip_socket();
    if (listening()) return bad_handle();
    const auto lock = lock_native();
    std::error_code ec;
    const asio::ip::tcp::endpoint at = connection().remote_endpoint(ec);
    if (!ec) *out = from_asio(at);
    return to_interop_error(ec);
}

std::error_code tcp_socket::shutdown_write() noexcept {
    // A pipe's writer has no half to shut: closing it is what ends the stream. The
    // answer is shutdown(2)'s on a pipe, as the other adapters give.
    if (is_pipe_end()) return std::make_error_code(std::errc::not_a_socket);
    if (!is_connection()) return bad_handle();
    const auto lock = lock_native();
    std::error_code ec;
    connection().shutdown(asio::socket_base::shutdown_send, ec);
    // Already shut down, or the peer is gone: either way nothing more will be sent,
    // which is all the caller asked for.
    if (ec == asio::error::not_connected) return {};
    return to_interop_error(ec);
}

int tcp_socket::descriptor() noexcept {
    if (udp_fd_ >= 0) return udp_fd_;
    const auto lock = lock_native();
    if (native_closed_) return -1;
    return native_descriptor();
}

std::error_code tcp_socket::set_no_delay(bool enabled) noexcept {
    if (unix_ || is_pipe_end()) return std::make_error_code(std::errc::operation_not_supported);
    if (!is_connection()) return bad_handle();
    const auto lock = lock_native();
    std::error_code ec;
    connection().set_option(asio::ip::tcp::no_delay(enabled), ec);
    return to_interop_error(ec);
}

// --- the non-blocking calls ----------------------------------------------------------

// Asio sends with MSG_NOSIGNAL on Linux (SO_NOSIGPIPE elsewhere), so writing to a
// connection the peer has closed reports broken_pipe instead of raising SIGPIPE. A
// pipe's write() cannot say so; the kit ignored SIGPIPE when it opened the pipe.
tcp_socket::attempt tcp_socket::try_write(io_operation* op) noexcept {
    const auto lock = lock_native();
    if (native_closed_) return {false, canceled(), 0};
    if (!is_stream()) return {false, bad_handle(), 0};
    for (;;) {
        std::error_code ec;
        const std::size_t n = with_stream(
            [&](auto& stream) { return stream.write_some(asio::buffer(op->data, op->size), ec); });
        if (!ec) return {false, no_error, n};
        if (ec == asio::error::interrupted) continue;
        if (would_block(ec)) return {true, {}, 0};
        return {false, to_interop_error(ec), 0};
    }
}

tcp_socket::attempt tcp_socket::try_accept(accept_operation* op) {
    const auto lock = lock_native();
    if (native_closed_) return {false, canceled(), 0};
    if (!listening()) return {false, bad_handle(), 0};
    for (;;) {
        std::error_code ec;
        asio::ip::tcp::socket peer(rt_.context());
        acceptor().accept(peer, ec);
        if (!ec) peer.non_blocking(true, ec);
        if (!ec) {
            not_inherited(peer.native_handle());
            // Without memory for it, the connection is closed (peer's destructor) and the
            // accept fails with not_enough_memory; the listener goes on.
            auto* accepted = new (std::nothrow) tcp_socket(rt_, std::move(peer), unix_);
            if (accepted == nullptr) return {false, out_of_memory(), 0};
            rt_.handle_given(accepted);
            op->accepted = accepted;
            return {};
        }
        // A connection reset while it waited in the backlog is gone; the listener is
        // fine, so take the next one.
        if (ec == asio::error::connection_aborted || ec == asio::error::interrupted ||
            (ec.category() == asio::error::get_system_category() && ec.value() == EPROTO))
            continue;
        if (would_block(ec)) return {true, {}, 0};
        return {false, to_interop_error(ec), 0};
    }
}

// --- operations ----------------------------------------------------------------------

void tcp_socket::read(io_operation* op) {
    rt_.park(op, this);
    // The read starts behind the handlers that are ready now, not inside this call.
    // Asio's async_read_some first tries recv, and a read asked for right after a
    // write (request and response) would almost always find nothing yet: one wasted
    // system call per message. Started after the rest of the ready work, it often
    // finds the peer's next message already there.
    // With several threads the deferred start goes through the socket's strand: run
    // elsewhere it would race the strand's handlers, and a cancel posted to the
    // strand could run before it, find no read in flight and be lost.
    // Handing the start to Asio takes memory (its queued handler); without it the read
    // fails with not_enough_memory, and nothing else does.
    try {
        if (serialized_here()) {
            auto start = recycled(multi_threaded_,
                                  [self = socket_ref(this), op] { self->start_stream_op(op); });
            if (multi_threaded_) return asio::defer(strand_, std::move(start));
            return asio::defer(rt_.context(), std::move(start));
        }
        asio::post(strand_, recycled(multi_threaded_,
                                     [self = socket_ref(this), op] { self->start_stream_op(op); }));
    } catch (const std::bad_alloc&) {
        complete_parked(op, out_of_memory());
    }
}

bool tcp_socket::begin(std::atomic<bool>& busy) noexcept {
    if (multi_threaded_) return !busy.exchange(true, std::memory_order_acq_rel);
    if (busy.load(std::memory_order_relaxed)) return false;
    busy.store(true, std::memory_order_relaxed);
    return true;
}

void tcp_socket::end(std::atomic<bool>& busy) noexcept {
    busy.store(false, std::memory_order_release);
}

void tcp_socket::write(io_operation* op) {
    // One write at a time: another one still in progress (waiting for room, or being
    // tried right now on another thread) makes this one fail with busy.
    if (!begin(write_busy_)) return op->complete(busy(), 0);
    // The fast path: the kernel takes the bytes now (a short count is a valid answer).
    const attempt result = try_write(op);
    if (!result.would_block) {
        end(write_busy_);
        return op->complete(result.error, result.bytes);
    }
    rt_.park(op, this);
    if (serialized_here()) return start_stream_op(op);
    try {
        asio::post(strand_, recycled(multi_threaded_,
                                     [self = socket_ref(this), op] { self->start_stream_op(op); }));
    } catch (const std::bad_alloc&) {  // as read()'s
        end(write_busy_);
        complete_parked(op, out_of_memory());
    }
}

void tcp_socket::accept(accept_operation* op) {
    const attempt result = try_accept(op);
    if (!result.would_block) return op->complete(result.error, 0);
    park_accept(op);
}

void tcp_socket::connect(connect_operation* op) {
    // The operation's reference, which the handler takes over, may be dropped on
    // another thread before this call is done with the socket: keep one of our own.
    add_ref();
    const socket_ref keep = socket_ref::adopt(this);
    const asio::ip::tcp::endpoint peer = to_asio(op->peer);
    std::error_code ec;
    {
        const auto lock = lock_native();
        connection().open(peer.protocol(), ec);
        if (!ec) not_inherited(connection().native_handle());
    }
    if (ec) {
        op->complete(to_interop_error(ec), 0);
        return release();  // the operation's reference
    }

    const registry::key key = rt_.park(op, this);
    const auto lock = lock_native();
    // The handler runs on the strand, in order with a cancel_now() that closes the
    // socket to abort the attempt.
    connection().async_connect(
        peer, asio::bind_executor(strand_, [self = socket_ref::adopt(this), op,
                                            key](const std::error_code& outcome) mutable {
            // Not claimed: the connect was cancelled, and the operation completed then.
            if (!self->rt_.claim(op, key)) return;
            std::error_code error = outcome;
            if (!error) {
                const auto native = self->lock_native();
                self->connection().non_blocking(true, error);
            }
            if (error) return op->complete(to_interop_error(error), 0);  // `self` drops the socket
            self->rt_.handle_given(self.operator->());
            op->connected = self.release();  // the reference becomes the handle's
            op->complete({}, 0);
        }));
}

void tcp_socket::close() noexcept {
    // The descriptor goes now: a listener closed here refuses the next connect at once.
    // Asio ends the reads, writes and waits in flight with operation_aborted.
    close_native();
    if (serialized_here()) {
        cancel_queued();
        release();
        return;
    }
    // The strand cancels what still waits, in order with the handlers already queued
    // there. The handle's reference travels with the request.
    asio::post(strand_, [self = socket_ref::adopt(this)] { self->cancel_queued(); });
}

void tcp_socket::abandon() noexcept {
    close_native();
    release();
}

void tcp_socket::close_native() noexcept {
    const auto lock = lock_native();
    if (native_closed_) return;
    native_closed_ = true;
    std::visit(
        [](auto& native) {
            std::error_code ignored;
            native.close(ignored);
        },
        native_);
}

void tcp_socket::cancel_later(operation* op, registry::key key) {
    // The kind is read now, while the operation is known to be pending.
    asio::post(strand_,
               recycled(multi_threaded_, [self = socket_ref(this), op, key, kind = op->kind] {
                   self->cancel_now(op, key, kind);
               }));
}

void tcp_socket::cancel_now(operation* op, registry::key key, op_kind kind) {
    if (kind == op_kind::read || kind == op_kind::write || kind == op_kind::receive_from ||
        kind == op_kind::send_to) {
        // Only the operation this request was for: the signal is reused by the next
        // operation in that direction once this one completed.
        in_flight& slot = in_flight_of(kind == op_kind::read || kind == op_kind::receive_from);
        if (slot.op != nullptr && same_wait(slot.key, key)) {
            slot.cancel_requested = true;
            slot.cancel.emit(asio::cancellation_type::total);
        }
        return;
    }
    // A connect or an accept: completed meanwhile (or the socket was closed).
    if (!rt_.claim(op, key)) return;
    if (kind == op_kind::connect) {
        close_native();  // aborts the attempt; its handler then drops the socket
    } else {
        accepts_.remove(op);
    }
    op->complete(canceled(), 0);
}

// --- streams, on the strand ----------------------------------------------------------

namespace {

// What a finished read or write reports: end of stream is a read of 0 bytes; an
// operation Asio aborted (cancelled, or its socket closed) maps to operation_canceled
// like every other error, through to_interop_error.
std::error_code stream_outcome(const std::error_code& ec) noexcept {
    if (!ec || ec == asio::error::eof) return no_error;
    return to_interop_error(ec);
}

}  // namespace

void tcp_socket::complete_parked(operation* op, std::error_code ec, std::size_t bytes) {
    rt_.unpark(op);
    op->complete(ec, bytes);
}

void tcp_socket::start_stream_op(io_operation* op) {
    const bool reading = op->kind == op_kind::read;
    in_flight& slot = in_flight_of(reading);
    // The contract allows one pending read and one pending write per stream (a second
    // write never gets here: write() refused it).
    if (slot.op != nullptr) return complete_parked(op, busy());
    if (reading && at_eof_) return complete_parked(op, {});
    {
        const auto lock = lock_native();
        if (native_closed_ || !is_stream()) {
            if (!reading) end(write_busy_);
            return complete_parked(op, native_closed_ ? canceled() : bad_handle());
        }
        slot.op = op;
        slot.key = registry::key_of(op);  // parked, so its key is settled
        auto handler = [self = socket_ref(this), reading, op](const std::error_code& ec,
                                                              std::size_t n) {
            self->finish_stream_op(reading, op, ec, n);
        };
        const asio::mutable_buffer bytes = asio::buffer(op->data, op->size);
        try {
            with_stream([&](auto& stream) {
                if (reading) {
                    start_native(
                        slot,
                        [&](auto&& h) {
                            stream.async_read_some(bytes, std::forward<decltype(h)>(h));
                        },
                        std::move(handler));
                } else {
                    start_native(
                        slot,
                        [&](auto&& h) {
                            stream.async_write_some(bytes, std::forward<decltype(h)>(h));
                        },
                        std::move(handler));
                }
            });
            return;
        } catch (const std::bad_alloc&) {
            slot.op = nullptr;  // Asio has nothing of it: it fails here, out of the lock
        }
    }
    if (!reading) end(write_busy_);
    complete_parked(op, out_of_memory());
}

void tcp_socket::finish_stream_op(bool reading, io_operation* op, const std::error_code& ec,
                                  std::size_t bytes) {
    // The slot holds `op`: a stream operation completes only here once it is in it.
    in_flight_of(reading).op = nullptr;
    if (!reading) end(write_busy_);
    if (reading && ec == asio::error::eof) at_eof_ = true;
    const std::error_code outcome = stream_outcome(ec);
    // May resume a task right here, which may start the next read on this socket.
    complete_parked(op, outcome, outcome ? 0 : bytes);
}

// --- accepts, on the strand ----------------------------------------------------------

void tcp_socket::park_accept(accept_operation* op) {
    rt_.park(op, this);
    if (serialized_here()) return enqueue(op);
    // Parked, so alive until a strand handler unparks it: the key need not travel.
    asio::post(strand_,
               recycled(multi_threaded_, [self = socket_ref(this), op] { self->enqueue(op); }));
}

void tcp_socket::enqueue(operation* op) {
    accepts_.push_back(op);
    // Started before the close, but the close got here first.
    if (closed_) return cancel_queued();
    arm();
}

void tcp_socket::arm() {
    if (accept_armed_ || closed_ || accepts_.empty()) return;
    const auto lock = lock_native();
    // Closed on another thread: the strand is about to cancel what waits.
    if (native_closed_) return;
    accept_armed_ = true;
    acceptor().async_wait(
        asio::socket_base::wait_read,
        asio::bind_executor(strand_, recycled(multi_threaded_,
                                              [self = socket_ref(this)](const std::error_code& ec) {
                                                  self->on_ready(ec);
                                              })));
}

void tcp_socket::on_ready(const std::error_code& ec) {
    accept_armed_ = false;
    // Waits are aborted only by close(), which cancels the queue (or has done so).
    if (closed_ || ec == asio::error::operation_aborted) return;
    if (ec) {
        fail_all(to_interop_error(ec));  // the reactor cannot watch this socket
    } else {
        serve();
    }
    // A wait that fired for nothing (its accept was cancelled) is simply not renewed.
    arm();
}

void tcp_socket::serve() {
    // Several accepts may be served by one readiness: the backlog may hold several
    // connections.
    while (!closed_ && !accepts_.empty()) {
        operation* op = accepts_.front();
        const attempt result = try_accept(static_cast<accept_operation*>(op));
        if (result.would_block) return;
        accepts_.remove(op);
        rt_.unpark(op);
        // May resume a task right here, which may start, cancel or close on this
        // socket: the queue is looked at afresh on each turn.
        op->complete(result.error, result.bytes);
    }
}

void tcp_socket::fail_all(std::error_code error) noexcept {
    // Completions are queued, not run: this may be running inside close().
    while (operation* op = accepts_.pop_front()) {
        rt_.unpark(op);
        complete_later(rt_.context(), multi_threaded_, op, error);
    }
}

}  // namespace interop::asio_detail
