// The Asio runtime behind interop::asio_runtime.
//
// One asio::io_context does all the waiting. A work guard keeps it running while it
// is idle, until stop(). With several threads, each of them runs the same io_context.
//
// The life of an operation: a primitive first tries to finish at once (a read that
// finds bytes waiting completes inside the call, the fast path). Otherwise the
// operation *parks* where it waits: in the timer heap, on a socket (in Asio's reactor,
// in a listener's accept queue), in the signal waits, on the resolver or the
// blocking-work pool. A handler completes it later, on a thread that runs the
// io_context.
//
// With one thread, what that thread posts (a yield, a task's start, a wake-up) and the
// completions it defers go to a run queue of the runtime's own, not one Asio handler
// each: one handler runs them in batches, and only after a few dozen, or when none is
// left, does Asio look at its own queue and reactor again (executor.cpp).
//
// Every parked operation but a signal wait is in the registry of pending operations
// (kit::pending_registry, keyed by a word of the operation; see op_data.hpp). Each
// handler that may complete one carries its key, and completes it only if claim()
// unparks it: exactly one handler wins, and a late one (a lookup whose operation was
// cancelled meanwhile, a cancel for an operation that already completed) finds
// nothing, even when the core has reused the memory for a new operation. That is what
// lets cancel() be called from any thread, and late. The kit's containers are not
// thread-safe and several threads may run the loop (and any thread may cancel), so
// the registry and the timer heap share one mutex. While an operation is parked its
// memory is alive and so is the socket it waits on, so cancel() can send the request
// to the socket's strand from inside the lock.
//
// The implementation is split by concern:
//   executor.cpp       run, stop, post, cancel
//   timers.cpp         timers: the timer heap and the one steady_timer
//   tcp.cpp            the TCP primitives; tcp_socket.cpp, the socket object and its strand
//   udp.cpp            the UDP primitives; udp_socket.cpp, the socket object's datagrams
//   unix_socket.cpp    Unix domain sockets: the primitives and the socket object's side
//   pipe.cpp           anonymous pipes: the primitive and the socket object's side
//   process.cpp        child processes: spawned by the kit, each pidfd watched by a
//                      stream_descriptor
//   background.cpp     resolve and spawn_blocking (and the entry points of signals)
//   signal_waits.cpp   signal_wait
//   errors.cpp, endpoints.cpp: conversions
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>

#include "interop/runtime/interface.hpp"
#include "interop/runtime/run_queue.hpp"
#include "interop/runtime/timer_heap.hpp"
#include "op_data.hpp"
#include "signal_waits.hpp"

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

    // --- time (timers.cpp) ---
    // The runtime clock is steady_clock, the clock asio::steady_timer waits on (read by
    // kit::steady_now without the library call around it), so an expiry of the
    // steady_timer is never before the deadline it was armed for. Inline, so that the
    // vtable's entry is the clock read and nothing more.
    static runtime_clock::time_point now() noexcept { return kit::steady_now(); }
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
    int native_handle(socket_handle s) noexcept;

    // --- UDP (udp.cpp) ---
    std::error_code udp_bind(const endpoint& local, socket_handle* out) noexcept;
    std::error_code udp_connect(socket_handle s, const endpoint& peer) noexcept;
    void send_to(datagram_operation* op) noexcept;
    void receive_from(datagram_operation* op) noexcept;
    std::error_code udp_set_option(socket_handle s, udp_option option, int value) noexcept;
    std::error_code udp_membership(socket_handle s, const ip_address& group,
                                   const ip_address& interface, bool join) noexcept;
    std::error_code udp_multicast_interface(socket_handle s, const ip_address& interface) noexcept;

    // --- Unix domain sockets (unix_socket.cpp) ---
    std::error_code unix_listen(const unix_address& local, int backlog,
                                socket_handle* out) noexcept;
    void unix_connect(unix_connect_operation* op) noexcept;
    std::error_code unix_pair(socket_handle* first, socket_handle* second) noexcept;
    std::error_code unix_address_of(socket_handle s, bool peer, unix_address* out) noexcept;

    // --- pipes (pipe.cpp) ---
    std::error_code pipe_open(socket_handle* reader, socket_handle* writer) noexcept;
    std::error_code pipe_adopt(int fd, socket_handle* out) noexcept;

    // --- child processes (process.cpp) ---
    std::error_code process_spawn(const process_spec& spec, process_spawned* out) noexcept;
    void process_wait(process_wait_operation* op) noexcept;
    std::error_code process_kill(process_handle p, int signal) noexcept;
    void process_release(process_handle p) noexcept;
    struct process_record;  // process.cpp

    // --- lookups, blocking work, signals (background.cpp) ---
    void resolve(resolve_operation* op) noexcept;
    void spawn_blocking(blocking_operation* op) noexcept;
    std::error_code signal_watch(int signum) noexcept;
    void signal_wait(signal_operation* op) noexcept;

    // --- for the parts ---
    bool multi_threaded() const noexcept { return threads_ > 1; }
    // Queues the completion of `op`: never runs it inside the call (executor.cpp).
    void complete_later(operation* op, std::error_code error = {}, std::size_t bytes = 0);
    asio::io_context& context() noexcept { return context_; }
    // Parks `op`, which waits on `socket` (or on nothing the runtime owns: a lookup,
    // blocking work), and returns its key. Call it before anything can complete it.
    registry::key park(operation* op, tcp_socket* socket);
    // True, and `op` is unparked, if it is still parked under `key`. The caller then
    // completes it; nobody else will.
    bool claim(operation* op, registry::key key) noexcept;
    // Unparks `op`, which is parked and which only the caller can complete (a socket's
    // reads, writes and queued accepts are completed only on its strand).
    void unpark(operation* op) noexcept;
    // True when work that must not overlap with the handlers of a socket may run on
    // the calling thread without going through the socket's strand: one thread runs
    // the loop and it is this one, or no thread will ever run it again.
    bool serialized_here() const noexcept;
    // The sockets whose handle the core holds: from the moment a socket's handle is
    // handed out (listen, accept, connect, udp_bind, the unix_ ones, pipe_open) until
    // the core closes it. The destructor closes the ones left, since the core never
    // calls a runtime that is gone.
    void handle_given(tcp_socket* s) noexcept;
    void handle_closed(tcp_socket* s) noexcept;

private:
    // After stop(), every operation completes at once with operation_canceled.
    bool refuse_if_stopped(operation* op) noexcept;
    // With one thread, what the loop's own thread queues (executor.cpp).
    bool queues_locally() const noexcept { return !multi_threaded() && in_runtime_thread(); }
    void queue_locally(operation* op, std::error_code error, std::size_t bytes);
    void post_local_batches();  // the handler that runs local_, behind Asio's queue
    void run_local_batches() noexcept;
    tcp_socket* new_socket() noexcept;
    // Two connected descriptors as two handles (unix_pair, pipe_open; unix_socket.cpp):
    // `open` makes them, `adopt` gives each to a new socket. On an error neither is
    // left open.
    std::error_code open_pair(socket_handle* first, socket_handle* second,
                              std::error_code (*open)(int fds[2]) noexcept,
                              std::error_code (tcp_socket::*adopt)(int fd) noexcept) noexcept;
    // Null when no thread can be started; throws std::bad_alloc out of memory.
    asio::thread_pool* blocking_pool();
    // The parts of resolve and spawn_blocking that may run out of memory (caught there).
    void start_lookup(resolve_operation* op, registry::key key);
    void start_work(asio::thread_pool& pool, blocking_operation* op, registry::key key);
    // Child processes (process.cpp); processes_mutex_ held where it says so.
    void watch_process(process_record* record);  // processes_mutex_ held
    void on_process_ready(process_record* record, const std::error_code& ec);
    void forget_process(process_record* record) noexcept;  // processes_mutex_ held
    void cancel_process_wait(process_wait_operation* op) noexcept;
    void abandon_processes() noexcept;
    void arm_timer(runtime_clock::time_point earliest);  // parked_mutex_ held
    void on_timer(const std::error_code& ec);

    const unsigned threads_;
    interop::core_slot core_;
    std::atomic<bool> stopped_{false};
    std::atomic<bool> running_{false};
    // post(), cancel() and stop() calls in progress on threads that do not run the
    // runtime; the destructor waits for them (see executor.cpp).
    std::atomic<int> foreign_calls_{0};
    // With one thread, the posts and deferred completions of the loop's own thread:
    // run in batches by one Asio handler at a time (local_batches_posted_), which
    // looks at Asio's queue and reactor again after run_queue::completions_per_poll
    // completions or when they run out (executor.cpp). Loop thread only.
    kit::run_queue local_;
    bool local_batches_posted_ = false;
    std::mutex parked_mutex_;  // guards pending_, timers_ and the timer's state
    registry pending_;
    timer_heap timers_;

    // Declared after everything their handlers use, and destroyed before it.
    asio::io_context context_;
    asio::executor_work_guard<asio::io_context::executor_type> keep_running_;
    // One steady_timer, armed for the earliest deadline in timers_ (timers.cpp).
    asio::steady_timer timer_;
    bool timer_armed_ = false;  // an expiry handler is outstanding, for timer_armed_for_
    runtime_clock::time_point timer_armed_for_{};
    // The clock as on_timer last read it: a lower bound of now() for timer_start that
    // costs no read. Atomic: with several threads, any of them may start a timer.
    std::atomic<runtime_clock::rep> clock_seen_{0};
    signal_waits signals_;
    std::mutex pool_mutex_;
    std::unique_ptr<asio::thread_pool> pool_;  // created by the first spawn_blocking
    std::mutex handles_mutex_;
    tcp_socket* handles_ = nullptr;  // the sockets handle_given() lists, linked through them
    std::mutex processes_mutex_;
    std::vector<process_record*> processes_;  // not reaped, or not released
};

}  // namespace interop::asio_detail
