// The object behind a socket_handle: an Asio socket (or acceptor), its strand, and
// the operations waiting on it.
//
// I/O is reactive. An operation first tries its non-blocking call (recv, send,
// accept) and completes inline when that succeeds or fails for good. On "would
// block" it joins the socket's queue for its direction, and the socket keeps one
// async_wait (readable or writable) outstanding while that queue is not empty; when
// it fires, the queued operations retry in order. A queued read calls recv() only
// when it is served, never when it is cancelled, so a cancelled read consumes
// nothing (and Asio's own speculative reads never happen).
//
// Everything that touches the queues runs on the socket's strand, so with several
// threads one socket's completions and cancels never overlap; with one thread, code
// already on the loop thread does it directly. The native socket itself is also
// guarded by a mutex: close() must release the descriptor at once, on whichever
// thread calls it (a listener closed on one thread must refuse a connect made next
// on another), and Asio's close may not overlap with any other call on the socket.
// Only the cancellation of what still waits goes through the strand.
//
// The object is reference counted: the handle holds one reference until close(),
// and every handler in flight holds one, so a close (or the destruction of the
// runtime) never frees the object under a handler that is about to run. Operations
// that wait on the socket are in the registry of pending operations with a pointer to
// it; they keep it alive because they leave a queue only through code that holds a
// reference (a strand handler, or close() with the handle's own).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/strand.hpp>

#include "interop/runtime_interface.hpp"
#include "pending_ops.hpp"

namespace interop::asio_detail {

class runtime;

class tcp_socket {
public:
    // An unopened socket, to listen or connect with.
    explicit tcp_socket(runtime& rt);
    // A connected socket (from accept).
    tcp_socket(runtime& rt, asio::ip::tcp::socket&& connected);
    tcp_socket(const tcp_socket&) = delete;
    tcp_socket& operator=(const tcp_socket&) = delete;

    static tcp_socket* from(socket_handle handle) noexcept { return static_cast<tcp_socket*>(handle); }

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

    // Operations (any thread).
    void read(io_operation* op);
    void write(io_operation* op);
    void accept(accept_operation* op);
    // On a new socket whose one reference the operation takes: it becomes the
    // handle's reference if the connection is made, and is dropped otherwise.
    void connect(connect_operation* op);

    // Releases the descriptor now and gives up the handle's reference. Operations
    // still queued complete with operation_canceled from the loop, never inside
    // this call.
    void close() noexcept;

    // Called by runtime::cancel under the registry's lock, for a pending operation
    // that waits on this socket: sends the request to the strand.
    void cancel_later(operation* op, pending_ops::ticket t);

private:
    enum class direction : std::uint8_t { in, out };  // read or accept; write
    struct waiter {
        operation* op;
        pending_ops::ticket ticket;
    };
    struct attempt {
        bool would_block = false;
        std::error_code error;
        std::size_t bytes = 0;
    };

    ~tcp_socket() = default;  // through release() only

    // Whether the calling thread may touch the queues and the native socket directly.
    bool serialized_here() const noexcept;

    // The non-blocking calls. On a closed socket they report operation_canceled.
    attempt try_read(io_operation* op) noexcept;
    attempt try_write(io_operation* op) noexcept;
    attempt try_accept(accept_operation* op);
    attempt try_op(operation* op);

    // Parks `op` in a queue: registers it, then enqueues it on the strand.
    void park(direction d, operation* op);

    // --- on the strand (or serialized_here()) ---
    void enqueue(direction d, waiter w);
    void arm(direction d);
    void on_ready(direction d, const std::error_code& ec);
    void serve(direction d);
    void fail_all(direction d, std::error_code error);
    void cancel_now(operation* op, pending_ops::ticket t, op_kind kind);
    void cancel_queued() noexcept;

    // Closes the native socket, at once, on any thread.
    void close_native() noexcept;
    std::vector<waiter>& queue(direction d) noexcept { return d == direction::in ? readers_ : writers_; }
    bool& armed(direction d) noexcept { return d == direction::in ? read_armed_ : write_armed_; }

    runtime& rt_;
    std::atomic<std::uint32_t> refs_{1};
    asio::strand<asio::io_context::executor_type> strand_;
    bool listening_ = false;  // set before the handle is published

    // --- guarded by native_mutex_ ---
    mutable std::mutex native_mutex_;
    asio::ip::tcp::socket socket_;      // a stream (connected, or connecting)
    asio::ip::tcp::acceptor acceptor_;  // or a listener: one of the two is ever opened
    bool native_closed_ = false;

    // --- strand only ---
    std::vector<waiter> readers_;  // reads, or accepts on a listener
    std::vector<waiter> writers_;
    bool read_armed_ = false;  // an async_wait is outstanding for that direction
    bool write_armed_ = false;
    bool closed_ = false;  // the queues are shut: close() has cancelled what waited
};

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
