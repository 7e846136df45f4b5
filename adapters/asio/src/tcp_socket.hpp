// The object behind a socket_handle: an Asio socket (or acceptor, or UDP socket), its
// strand, and the operations waiting on it. A Unix domain stream or listener is the
// same object (unix_socket.cpp).
//
// Streams use Asio's own reads and writes. A write first tries the non-blocking send
// and completes inline when the kernel takes anything; only a full send buffer makes
// it an async_write_some. A read is always an async_read_some: Asio then reads
// speculatively only when the last read did not drain the socket, and otherwise waits
// for the edge-triggered readiness it already watches, so a ping-pong connection
// costs one recv per message and no epoll_ctl (a wait-then-recv scheme costs an
// epoll_ctl to re-arm each wait and a recv that finds nothing). Each stream has one
// cancellation signal per direction (the contract allows one pending read and one
// pending write per stream), bound to the operation as its cancellation slot: Asio
// takes a cancelled operation out of the reactor's queue before it has read, so a
// read that completes with operation_canceled consumed nothing, and one that had read
// already completes with its bytes.
//
// Accepts are reactive: an accept first tries accept() and completes inline when
// that succeeds or fails for good. On "would block" it joins the listener's queue,
// and the listener keeps one async_wait outstanding while the queue is not empty;
// when it fires, the queued accepts retry in order. A queued accept calls accept()
// only when it is served, never when it is cancelled, so no connection is lost.
//
// Unix domain sockets are TCP's objects with another descriptor: the kit opens the
// AF_UNIX socket (and connects it, never waiting for a full backlog) and assign()
// hands it to the asio::ip::tcp socket or acceptor. Asio's reads, writes, shutdown and
// accepts without an endpoint are plain calls on the descriptor that never look at
// its family, so the stream machinery above serves both unchanged; only endpoint
// queries and TCP options would, and a Unix socket refuses those (unix_ says which).
// Its names come from the kit's unix_name on the descriptor.
//
// A pipe's end (pipe.cpp) is not a socket: Asio's socket calls (recv, send) fail on it
// with ENOTSOCK. It lives in an asio::posix::stream_descriptor instead of the socket,
// whose reads and writes are read() and write() with the same reactor, the same
// speculative reads and the same per-operation cancellation, and with_stream() hands
// the stream machinery above whichever of the two the object has: the in-flight slots,
// the inline first write, end of stream and close are those of a TCP stream. The kit
// opens the pipe (and ignores SIGPIPE), so a write once the reader is gone fails with
// EPIPE, broken_pipe.
//
// Datagrams are reactive too (udp_socket.cpp): a send_to or receive_from first tries
// the system call and completes inline when it does not block; otherwise it takes its
// direction's in_flight slot and waits for readiness with async_wait, then tries
// again. Not Asio's own receive_from: it cannot tell a datagram cut short by the
// buffer (MSG_TRUNC) from a whole one.
//
// What the socket keeps about its operations (the queue, the current read and write)
// is touched only on its strand when several threads run the loop, and only on the
// loop thread when one does (no strand then: handlers run on the io_context). The
// native socket itself is also guarded by a mutex: close() must release the
// descriptor at once, on whichever thread calls it (a listener closed on one thread
// must refuse a connect made next on another), and Asio's close may not overlap with
// any other call on the socket. Only the cancellation of what still waits goes
// through the strand.
//
// The object is reference counted: the handle holds one reference until close(),
// and every handler in flight holds one, so a close (or the destruction of the
// runtime) never frees the object under a handler that is about to run. Operations
// that wait on the socket are in the registry of pending operations with a pointer to
// it (waits_on, op_data.hpp); they keep it alive because they leave it only through
// code that holds a reference (a handler, or close() with the handle's own).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <system_error>
#include <utility>
#include <variant>

#include <unistd.h>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/strand.hpp>

#include "errors.hpp"
#include "handler_memory.hpp"
#include "interop/runtime/interface.hpp"
#include "op_data.hpp"

namespace interop::asio_detail {

class runtime;

class tcp_socket {
public:
    // An unopened socket, to listen or connect with.
    explicit tcp_socket(runtime& rt);
    // A connected socket (from accept); a Unix domain one from a Unix listener.
    tcp_socket(runtime& rt, asio::ip::tcp::socket&& connected, bool unix_domain);
    tcp_socket(const tcp_socket&) = delete;
    tcp_socket& operator=(const tcp_socket&) = delete;

    static tcp_socket* from(socket_handle handle) noexcept {
        return static_cast<tcp_socket*>(handle);
    }

    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    // Setup and synchronous queries (any thread).
    std::error_code listen(const endpoint& local, int backlog) noexcept;
    std::error_code local_endpoint(endpoint* out) const noexcept;
    std::error_code remote_endpoint(endpoint* out) const noexcept;
    std::error_code shutdown_write() noexcept;
    std::error_code set_no_delay(bool enabled) noexcept;
    // The native object's descriptor; -1 once closed.
    int descriptor() noexcept;

    // UDP (udp_socket.cpp). bind_datagrams, before the handle is published, makes this
    // a UDP socket; the others work on one.
    std::error_code bind_datagrams(const endpoint& local) noexcept;
    std::error_code connect_datagrams(const endpoint& peer) noexcept;
    std::error_code set_udp_option(udp_option option, int value) noexcept;
    std::error_code multicast_membership(const ip_address& group, const ip_address& interface,
                                         bool join) noexcept;
    std::error_code multicast_interface(const ip_address& interface) noexcept;
    void send_to(datagram_operation* op);
    void receive_from(datagram_operation* op);

    // Unix domain sockets (unix_socket.cpp). listen_unix and adopt_unix_stream, before
    // the handle is published, make this a Unix listener or stream.
    std::error_code listen_unix(const unix_address& local, int backlog) noexcept;
    // Takes over `fd`, a connected AF_UNIX stream socket (closed on failure).
    std::error_code adopt_unix_stream(int fd) noexcept;
    std::error_code unix_address_of(bool peer, unix_address* out) noexcept;

    // Pipes (pipe.cpp). Before the handle is published: takes over `fd`, one end of a
    // non-blocking pipe (closed on failure), and makes this that end.
    std::error_code adopt_pipe_end(int fd) noexcept;

    // Operations (any thread).
    void read(io_operation* op);
    void write(io_operation* op);
    void accept(accept_operation* op);
    // On a new socket whose one reference the operation takes: it becomes the
    // handle's reference if the connection is made, and is dropped otherwise.
    void connect(connect_operation* op);
    // The same for a Unix domain stream (unix_socket.cpp).
    void connect_unix(unix_connect_operation* op);

    // Releases the descriptor now and gives up the handle's reference. Operations
    // still queued complete with operation_canceled from the loop, never inside
    // this call.
    void close() noexcept;

    // Called by runtime::cancel under the registry's lock, for a pending operation
    // that waits on this socket: sends the request to the strand.
    void cancel_later(operation* op, registry::key key);

    // The runtime is being destroyed with this socket's handle still held by the core,
    // which will never close it: closes the descriptor and drops the handle's reference.
    void abandon() noexcept;

    // Links of the runtime's list of sockets whose handle the core holds (runtime.hpp).
    tcp_socket* handle_prev = nullptr;
    tcp_socket* handle_next = nullptr;

private:
    struct attempt {
        bool would_block = false;
        std::error_code error;
        std::size_t bytes = 0;
    };
    // The one read (or write) of a stream that Asio is working on, and the signal that
    // cancels it. Or the one receive_from (or send_to) waiting for readiness.
    struct in_flight {
        io_operation* op = nullptr;
        registry::key key;
        asio::cancellation_signal cancel;
        // Datagrams: a cancel came for the operation in the slot. If its wait had fired
        // already, the handler (queued behind the request) neither tries nor waits again.
        bool cancel_requested = false;
    };

    ~tcp_socket() = default;  // through release() only

    // Whether the calling thread may touch the operation state directly.
    bool serialized_here() const noexcept;

    // The one write in progress: set by write() until the write completes (at once,
    // or from its handler), in write_busy_; send_to takes the same flag, receive_from
    // receive_busy_. Atomic with several threads, where operations may be started on
    // any of them; a plain flag in effect with one.
    bool begin(std::atomic<bool>& busy) noexcept;  // false: another one is in progress
    static void end(std::atomic<bool>& busy) noexcept;

    // The non-blocking calls. On a closed socket they report operation_canceled.
    attempt try_write(io_operation* op) noexcept;
    attempt try_accept(accept_operation* op);

    // --- streams: on the strand (or serialized_here()) ---
    // Starts a read or a write (op->kind says which) with Asio.
    void start_stream_op(io_operation* op);
    // Starts an Asio operation with `handler`, `slot.cancel` as its cancellation slot
    // and, with several threads, the strand as its executor (defined below).
    template <typename Start, typename Handler>
    void start_native(in_flight& slot, Start&& start, Handler&& handler);
    void finish_stream_op(bool reading, io_operation* op, const std::error_code& ec,
                          std::size_t bytes);
    in_flight& in_flight_of(bool reading) noexcept { return reading ? reading_ : writing_; }
    // Unparks `op` and completes it with (ec, bytes). Nothing but the strand completes
    // a stream operation: its cancel only emits the signal.
    void complete_parked(operation* op, std::error_code ec, std::size_t bytes = 0);

    // --- accepts: on the strand (or serialized_here()) ---
    void park_accept(accept_operation* op);
    void enqueue(operation* op);
    void arm();
    void on_ready(const std::error_code& ec);
    void serve();
    // Completes every queued accept with `error`, later, from the loop.
    void fail_all(std::error_code error) noexcept;
    void cancel_queued() noexcept {
        closed_ = true;
        fail_all(canceled());
    }

    // --- datagrams ---
    // After an attempt that would block (any thread): parks `op` and has the strand
    // start its wait. The rest but try_datagram on the strand (or serialized_here()).
    void park_datagram(datagram_operation* op);
    void start_datagram_op(datagram_operation* op);
    void wait_datagram(bool receiving);
    void on_datagram_ready(bool receiving, const std::error_code& ec);
    void finish_datagram_op(bool receiving, std::error_code ec, std::size_t bytes);
    // The non-blocking sendto or recvmsg of `op`. On a closed socket: operation_canceled.
    attempt try_datagram(datagram_operation* op) noexcept;
    std::error_code local_datagram_endpoint(endpoint* out) const noexcept;
    std::error_code remote_datagram_endpoint(endpoint* out) const noexcept;
    // Runs call(descriptor) on the UDP socket, under the native lock.
    template <typename Call>
    std::error_code on_datagram_socket(Call&& call) const noexcept;

    // --- Unix domain sockets ---
    // Once a connect that had to wait is writable: whether it was made.
    std::error_code unix_connect_outcome() noexcept;

    // --- streams and pipes ---
    // A connection (TCP or Unix) or a pipe's end: what reads and writes work on.
    bool is_stream() const noexcept { return is_connection() || is_pipe_end(); }
    // Runs call(stream) on the pipe's descriptor if this is a pipe's end, on the socket
    // if it is a connection: their reads and writes have the same names and signatures.
    // Only on a stream; under the native lock.
    template <typename Call>
    decltype(auto) with_stream(Call&& call) {
        if (is_pipe_end()) return std::forward<Call>(call)(pipe_end());
        return std::forward<Call>(call)(connection());
    }

    void cancel_now(operation* op, registry::key key, op_kind kind);

    // Closes the native socket, at once, on any thread.
    void close_native() noexcept;

    // The native socket's lock. Only taken with several threads: with one, every call
    // on the socket comes from the loop thread (or from the one thread using the
    // runtime while nobody runs it), as the contract requires.
    std::unique_lock<std::mutex> lock_native() const noexcept {
        if (!multi_threaded_) return {};
        return std::unique_lock<std::mutex>(native_mutex_);
    }

    // --- the native object (native_), by kind ---
    // Which kind this is is settled before the handle is published, so these need no
    // lock. The accessors are for code that knows the kind (std::get checks it); a call
    // meant for another kind (a read on a listener, an accept on a stream) answers
    // bad_handle(), as Asio does for an object never opened.
    bool is_connection() const noexcept {
        return std::holds_alternative<asio::ip::tcp::socket>(native_);
    }
    bool listening() const noexcept {
        return std::holds_alternative<asio::ip::tcp::acceptor>(native_);
    }
    bool is_pipe_end() const noexcept {
        return std::holds_alternative<asio::posix::stream_descriptor>(native_);
    }
    asio::ip::tcp::socket& connection() { return std::get<asio::ip::tcp::socket>(native_); }
    const asio::ip::tcp::socket& connection() const {
        return std::get<asio::ip::tcp::socket>(native_);
    }
    asio::ip::tcp::acceptor& acceptor() { return std::get<asio::ip::tcp::acceptor>(native_); }
    const asio::ip::tcp::acceptor& acceptor() const {
        return std::get<asio::ip::tcp::acceptor>(native_);
    }
    asio::ip::udp::socket& datagram_socket() { return std::get<asio::ip::udp::socket>(native_); }
    asio::posix::stream_descriptor& pipe_end() {
        return std::get<asio::posix::stream_descriptor>(native_);
    }
    // Makes this (a connection until then) a listener, a UDP socket or a pipe's end,
    // before the handle is published. False out of memory: the first object of a kind
    // registers Asio's service for it. The object is built first and then moved in
    // (Asio's moves do not throw), so a failure leaves this a connection, never an
    // empty variant that close_native() could not visit.
    template <typename Native>
    bool become(asio::io_context& context) noexcept {
        try {
            Native fresh(context);
            native_.emplace<Native>(std::move(fresh));
            return true;
        } catch (const std::bad_alloc&) {
            return false;
        }
    }
    // become(), for an object that is to own `fd`: closes `fd` when it fails.
    template <typename Native>
    std::error_code become_owner_of(asio::io_context& context, int fd) noexcept {
        if (become<Native>(context)) return {};
        ::close(fd);
        return out_of_memory();
    }
    // The descriptor of the native object, whichever it is. Under the native lock.
    int native_descriptor() noexcept {
        return std::visit([](auto& native) { return native.native_handle(); }, native_);
    }

    runtime& rt_;
    std::atomic<std::uint32_t> refs_{1};
    asio::strand<asio::io_context::executor_type> strand_;
    int udp_fd_ = -1;    // a UDP socket's descriptor (native_ owns it); set before publishing
    bool unix_ = false;  // an AF_UNIX stream or listener; set before publishing
    const bool multi_threaded_;
    std::atomic<bool> write_busy_{false};  // see begin(); any thread
    std::atomic<bool> receive_busy_{false};

    // --- guarded by lock_native() ---
    mutable std::mutex native_mutex_;
    // A connection (connected, or connecting), a listener, a UDP socket or a pipe's
    // end. Only the kind this object is takes room: a connection pays for its socket
    // alone, some 256 bytes less than room for all four.
    std::variant<asio::ip::tcp::socket, asio::ip::tcp::acceptor, asio::ip::udp::socket,
                 asio::posix::stream_descriptor>
        native_;
    bool native_closed_ = false;

    // --- strand only ---
    in_flight reading_;  // streams
    in_flight writing_;
    // The peer's FIN arrived (or a pipe's writer is closed): every later read reports
    // end of stream at once. (Asio would wait for readiness that never comes again:
    // after a read of 0 it no longer reads speculatively.)
    bool at_eof_ = false;
    // A listener's parked accepts, in the order they started. The strand's handlers see
    // an accept parked exactly while it is in this queue: its enqueue() comes before
    // any cancel of it, and whatever unparks it there takes it out.
    accept_queue accepts_;
    bool accept_armed_ = false;  // an async_wait is outstanding
    bool closed_ = false;        // the queue is shut: close() has cancelled what waited
};

template <typename Start, typename Handler>
void tcp_socket::start_native(in_flight& slot, Start&& start, Handler&& handler) {
    if (multi_threaded_) {
        start(asio::bind_cancellation_slot(
            slot.cancel.slot(),
            asio::bind_executor(strand_,
                                recycled(multi_threaded_, std::forward<Handler>(handler)))));
    } else {
        start(asio::bind_cancellation_slot(
            slot.cancel.slot(), recycled(multi_threaded_, std::forward<Handler>(handler))));
    }
}

// A counted reference to a tcp_socket, held by the handlers that use it.
class socket_ref {
public:
    socket_ref() noexcept = default;
    explicit socket_ref(tcp_socket* s) noexcept : s_(s) {
        if (s_) s_->add_ref();
    }
    // Takes over a reference the caller already holds.
    static socket_ref adopt(tcp_socket* s) noexcept {
        socket_ref r;
        r.s_ = s;
        return r;
    }
    socket_ref(const socket_ref& other) noexcept : socket_ref(other.s_) {}
    socket_ref(socket_ref&& other) noexcept : s_(other.s_) { other.s_ = nullptr; }
    socket_ref& operator=(socket_ref other) noexcept {
        std::swap(s_, other.s_);
        return *this;
    }
    ~socket_ref() {
        if (s_) s_->release();
    }

    tcp_socket* operator->() const noexcept { return s_; }
    // Gives the reference to the caller.
    tcp_socket* release() noexcept { return std::exchange(s_, nullptr); }

private:
    tcp_socket* s_ = nullptr;
};

}  // namespace interop::asio_detail
