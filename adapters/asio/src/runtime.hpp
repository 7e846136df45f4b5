// The Asio runtime behind interop::asio_runtime.
//
// One asio::io_context does all the waiting. A work guard keeps it running while it
// is idle, until stop(). With several threads, each of them runs the same io_context.
//
// The life of an operation: a primitive first tries to finish at once (a read that
// finds bytes waiting completes inside the call, the fast path). Otherwise the
// operation *parks* where it waits: in the timer queue, in a socket's wait queue, in
// the signal waits, on Asio's resolver or the blocking-work pool. A handler completes
// it later, on a thread that runs the io_context. cancel() finds parked operations
// through the structure they wait in (timers, signals) or through the registry of
// pending operations (everything else; see pending_ops.hpp), which is what lets it be
// called from any thread, and late, without touching an operation that completed.
//
// The implementation is split by concern:
//   executor.cpp       run, stop, post, cancel
//   timer_queue.cpp    timers
//   tcp.cpp            the TCP primitives; tcp_socket.cpp, the socket object and its strand
//   background.cpp     resolve and spawn_blocking (and the entry points of timers and signals)
//   signal_waits.cpp   signal_wait
//   pending_ops.cpp    the registry of parked operations
//   errors.cpp, endpoints.cpp: conversions
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>

#include "interop/runtime/interface.hpp"
#include "pending_ops.hpp"
#include "signal_waits.hpp"
#include "timer_queue.hpp"

namespace interop::asio_detail {

class tcp_socket;

class runtime {
public:
    explicit runtime(unsigned threads);
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    // --- executor (executor.cpp) ---
    bool post(operation* op) noexcept;
    bool in_runtime_thread() const noexcept;
    void run();
    void stop() noexcept;
    void cancel(operation* op) noexcept;
    // The core's part of the runtime; the runtime never uses it.
    interop::core_slot* core() noexcept { return &core_; }

    // --- time (timer_queue.cpp) ---
    runtime_clock::time_point now() const noexcept { return timer_queue::now(); }
    void timer_start(timer_operation* op) noexcept;

    // --- TCP (tcp.cpp) ---
    std::error_code tcp_listen(const endpoint& local, int backlog, socket_handle* out) noexcept;
    void tcp_accept(accept_operation* op) noexcept;
    void tcp_connect(connect_operation* op) noexcept;
    void read(io_operation* op) noexcept;
    void write(io_operation* op) noexcept;
    std::error_code shutdown_write(socket_handle s) noexcept;
    void close(socket_handle s) noexcept;
    std::error_code local_endpoint(socket_handle s, endpoint* out) noexcept;
    std::error_code remote_endpoint(socket_handle s, endpoint* out) noexcept;
    std::error_code set_no_delay(socket_handle s, bool enabled) noexcept;

    // --- lookups, blocking work, signals (background.cpp) ---
    void resolve(resolve_operation* op) noexcept;
    void spawn_blocking(blocking_operation* op) noexcept;
    std::error_code signal_watch(int signum) noexcept;
    void signal_wait(signal_operation* op) noexcept;

    // --- for the parts ---
    bool multi_threaded() const noexcept { return threads_ > 1; }
    asio::io_context& context() noexcept { return context_; }
    pending_ops& pending() noexcept { return pending_; }
    // True when work that must not overlap with the handlers of a socket may run on
    // the calling thread without going through the socket's strand: one thread runs
    // the loop and it is this one, or no thread will ever run it again.
    bool serialized_here() const noexcept;
    // The sockets whose handle the core holds: from the moment a socket's handle is
    // handed out (listen, accept, connect) until the core closes it. The destructor
    // closes the ones left, since the core never calls a runtime that is gone.
    void handle_given(tcp_socket* s) noexcept;
    void handle_closed(tcp_socket* s) noexcept;

private:
    // After stop(), every operation completes at once with operation_canceled.
    bool refuse_if_stopped(operation* op) noexcept;
    asio::thread_pool* blocking_pool() noexcept;

    const unsigned threads_;
    interop::core_slot core_;
    std::atomic<bool> stopped_{false};
    std::atomic<bool> running_{false};
    // post(), cancel() and stop() calls in progress on threads that do not run the
    // runtime; the destructor waits for them (see executor.cpp).
    std::atomic<int> foreign_calls_{0};
    pending_ops pending_;

    // Declared after everything their handlers use, and destroyed before it.
    asio::io_context context_;
    asio::executor_work_guard<asio::io_context::executor_type> keep_running_;
    timer_queue timers_;
    signal_waits signals_;
    std::mutex pool_mutex_;
    std::unique_ptr<asio::thread_pool> pool_;  // created by the first spawn_blocking
    std::mutex handles_mutex_;
    tcp_socket* handles_ = nullptr;  // the sockets handle_given() lists, linked through them
};

}  // namespace interop::asio_detail
