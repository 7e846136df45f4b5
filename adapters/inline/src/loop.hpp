// The inline runtime's event loop.
//
// One thread runs the loop. Each lap it
//   1. runs every completion that is ready (the batch taken at the start of the lap,
//      so every ready item runs once before any runs twice),
//   2. waits for readiness of the sockets, the children's pidfds, the wake-up
//      descriptor and the signal pipe, with a timeout of zero if more work is ready,
//      else until the earliest timer: one epoll_wait on Linux, where each descriptor
//      joins the loop's epoll set once (edge-triggered, so an operation that waits
//      costs no epoll_ctl); poll() elsewhere, over a set rebuilt each lap of just the
//      descriptors something waits on,
//   3. collects what other threads left in the inbox (posts, cancel requests,
//      finished background jobs) and delivers raised signals, and
//   4. fires the timers that are due.
// Steps 2-4 never call into the core: they only move operations into the ready queue,
// so user code runs from exactly one place, step 1.
//
// The life of an operation: a primitive either completes it at once (the fast path,
// e.g. a read that finds bytes waiting), or *parks* it where it waits (timer heap,
// a socket's wait list, the worker pool, the signal list) and records it in the
// registry of pending operations. When its event comes, it is unparked and its
// completion queued. cancel() looks operations up in that registry by the key stored
// in the operation (kit::pending_registry), which is what lets it be called from any
// thread, and late, without touching an operation that has already completed.
//
// The implementation is split by concern:
//   loop.cpp              run, stop, post, cancel: the executor and the registry
//   loop_time.cpp         the clock, timers and virtual time
//   loop_tcp.cpp          sockets and readiness
//   loop_epoll.cpp        waiting for readiness on Linux (with epoll_set)
//   loop_poll.cpp         waiting for readiness elsewhere, with poll()
//   loop_udp.cpp          UDP sockets (waiting like TCP ones, in loop_tcp.cpp)
//   loop_unix.cpp         Unix domain sockets and pipes (streams like TCP ones, in
//                         loop_tcp.cpp)
//   loop_background.cpp   resolve and spawn_blocking on the worker pool
//   loop_signals.cpp      signal_wait
//   loop_process.cpp      child processes: spawn, wait (their pidfds are watched), kill
// and the pieces it is built from, one per file: socket_table, epoll_set, worker_pool
// (with resolver) and signal_hub. The rest comes from the adapter kit: the run queue, the
// cross-thread cancel requests, the timer heap, the wait lists and their rules
// (socket_waits), the POSIX socket calls and the wake-up (op_data.hpp, and below).
//
// The primitives are noexcept. Out of memory for what one operation needs (a lookup,
// a background job, a signal's registration, a socket's slot) completes it with
// not_enough_memory; anywhere else it ends the process (docs/semantics.md).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#if !defined(__linux__)
#include <poll.h>
#endif

#include "epoll_set.hpp"
#include "interop/runtime/cancel_requests.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/runtime/posix_socket.hpp"
#include "interop/runtime/posix_wakeup.hpp"
#include "interop/runtime/run_queue.hpp"
#include "interop/runtime/timer_heap.hpp"
#include "op_data.hpp"
#include "socket_table.hpp"
#include "worker_pool.hpp"

namespace interop::inline_detail {

using kit::posix::attempt;

class loop {
public:
    explicit loop(bool virtual_time);
    ~loop();
    loop(const loop&) = delete;
    loop& operator=(const loop&) = delete;

    // --- executor (loop.cpp) ---
    bool post(operation* op) noexcept;
    bool in_runtime_thread() const noexcept;
    void cancel(operation* op) noexcept;
    void run();
    void stop() noexcept;
    // The core's part of the runtime; the loop never uses it.
    interop::core_slot* core() noexcept { return &core_; }

    // --- time (loop_time.cpp) ---
    // Inline, so that the vtable's entry is the clock read and nothing more: a deadline
    // reads it once per operation.
    runtime_clock::time_point now() const noexcept {
        if (virtual_time_) [[unlikely]]
            return runtime_clock::time_point(runtime_clock::duration(virtual_now_.load()));
        return kit::steady_now();
    }
    void timer_start(timer_operation* op) noexcept;

    // --- TCP (loop_tcp.cpp) ---
    std::error_code tcp_listen(const endpoint& local, int backlog, socket_handle* out) noexcept;
    void tcp_accept(accept_operation* op) noexcept;
    void tcp_connect(connect_operation* op) noexcept;
    void read(io_operation* op) noexcept;
    void write(io_operation* op) noexcept;
    std::size_t try_write(socket_handle s, const std::byte* data, std::size_t size) noexcept;
    std::error_code shutdown_write(socket_handle s) noexcept;
    void close(socket_handle s) noexcept;
    std::error_code local_endpoint(socket_handle s, endpoint* out) noexcept;
    std::error_code remote_endpoint(socket_handle s, endpoint* out) noexcept;
    std::error_code set_no_delay(socket_handle s, bool enabled) noexcept;
    int native_handle(socket_handle s) noexcept;

    // --- UDP (loop_udp.cpp) ---
    std::error_code udp_bind(const endpoint& local, socket_handle* out) noexcept;
    std::error_code udp_connect(socket_handle s, const endpoint& peer) noexcept;
    void send_to(datagram_operation* op) noexcept;
    void receive_from(datagram_operation* op) noexcept;
    std::error_code udp_set_option(socket_handle s, udp_option option, int value) noexcept;
    std::error_code udp_membership(socket_handle s, const ip_address& group,
                                   const ip_address& interface, bool join) noexcept;
    std::error_code udp_multicast_interface(socket_handle s, const ip_address& interface) noexcept;

    // --- Unix domain sockets (loop_unix.cpp) ---
    std::error_code unix_listen(const unix_address& local, int backlog,
                                socket_handle* out) noexcept;
    void unix_connect(unix_connect_operation* op) noexcept;
    std::error_code unix_pair(socket_handle* first, socket_handle* second) noexcept;
    std::error_code unix_address_of(socket_handle s, bool peer, unix_address* out) noexcept;

    // --- pipes (loop_unix.cpp) ---
    std::error_code pipe_open(socket_handle* reader, socket_handle* writer) noexcept;
    std::error_code pipe_adopt(int fd, socket_handle* out) noexcept;

    // --- child processes (loop_process.cpp) ---
    std::error_code process_spawn(const process_spec& spec, process_spawned* out) noexcept;
    void process_wait(process_wait_operation* op) noexcept;
    std::error_code process_kill(process_handle p, int signal) noexcept;
    void process_release(process_handle p) noexcept;
    struct process_record;  // loop_process.cpp

    // --- worker pool and signals (loop_background.cpp, loop_signals.cpp) ---
    void resolve(resolve_operation* op) noexcept;
    void spawn_blocking(blocking_operation* op) noexcept;
    std::error_code signal_watch(int signum) noexcept;
    void signal_wait(signal_operation* op) noexcept;

    // --- introspection ---
    bool virtual_time() const noexcept { return virtual_time_; }
    std::size_t pending_operations() const noexcept { return pending_.size(); }
    std::size_t open_sockets() const noexcept { return sockets_.open_count(); }

private:
    // The life of an operation (loop.cpp).
    bool refuse_if_stopped(operation* op) noexcept { return queue_.refuse_if_stopped(op); }
    // Inline: every read or write that waits parks and unparks once.
    void park(operation* op) { pending_.park(op); }  // now pending: cancel() can find it
    void unpark(operation* op) noexcept { pending_.unpark(op); }
    void queue_completion(operation* op, std::error_code error, std::size_t bytes);
    void finish(operation* op, std::error_code error, std::size_t bytes);  // unpark + queue
    void cancel_parked(operation* op);                                     // loop thread

    // One lap of the loop (loop.cpp).
    void wait_for_events(int timeout_ms);
    // Waiting for readiness: an epoll set on Linux (loop_epoll.cpp), poll() elsewhere
    // (loop_poll.cpp). prepare_wait() readies what wait_once() waits on; wait_once()
    // waits up to timeout_ms and dispatches what is ready, returning whether anything was.
    void prepare_wait(bool watching_signals);
    bool wait_once(int timeout_ms);
    // Before an operation parks on the socket: the socket joins the epoll set (once).
    std::error_code watch(socket_slot& socket) noexcept;
    // Parks `op`, which waits in one of the socket's queues, or, when the socket cannot
    // be watched, takes it out again and completes it with the error.
    void park_on(socket_slot& socket, operation* op);
    // Parks a connect in progress on its new socket, or closes the socket and completes
    // it with the error.
    void park_connect(operation* op, socket_handle handle);
    // Closes a socket, out of the epoll set first. Its wait lists must be empty.
    void forget_socket(socket_handle handle) noexcept;
#if !defined(__linux__)
    void add_sockets_to_poll_set();
    void add_processes_to_poll_set();
#endif
    // Spins up to spin_before_poll for a notification; true when one came.
    bool wakeup_is_near() const noexcept;
    static constexpr std::chrono::microseconds spin_before_poll{50};
    void take_inbox();

    // Time (loop_time.cpp).
    int poll_timeout() const noexcept;
    void fire_due_timers();

    // Sockets (loop_tcp.cpp). Readiness for reading includes errors and hang-ups;
    // hung_up says the peer has closed (or an error is pending).
    void socket_ready(socket_handle handle, bool readable, bool writable, bool hung_up);
    // The socket found once by socket_ready; the handle is for a connect's outcome.
    void serve_readers(socket_slot& socket);
    void serve_writers(socket_slot& socket, socket_handle handle);
    attempt read_once(socket_slot& socket, operation* op);  // a read, or an accept on a listener
    // recv into `op`, remembering whether it drained the socket (socket_slot::drained).
    attempt receive(socket_slot& socket, io_operation* op);
    // send from `op` (write to a pipe).
    attempt send(socket_slot& socket, const std::byte* data, std::size_t size);
    void cancel_socket_wait(operation* op) noexcept;

    // Worker pool (loop_background.cpp).
    void submit(operation* op, std::unique_ptr<background_job> job);
    void job_finished(std::unique_ptr<background_job> job);  // any thread
    void background_done(std::unique_ptr<background_job> job);
    bool cancel_background(operation* op) noexcept;

    // Child processes (loop_process.cpp; watched in loop_epoll.cpp or loop_poll.cpp).
    std::error_code watch(process_record* record) noexcept;
    void unwatch(process_record* record) noexcept;
    void process_ended(process_record* record);
    void forget_process(process_record* record) noexcept;
    void cancel_process_wait(operation* op) noexcept;
    void abandon_processes() noexcept;

    // Signals (loop_signals.cpp).
    void deliver_signals();
    void cancel_signal_wait(operation* op) noexcept;

    const bool virtual_time_;
    interop::core_slot core_;
    kit::run_queue queue_;  // the completions, and the stop flag
    std::atomic<bool> running_{false};
    std::atomic<runtime_clock::rep> virtual_now_{0};

    // --- loop thread only ---
    timer_heap timers_;
    // The clock as fire_due_timers last read it: a lower bound of now() that costs no
    // read, for timer_start (loop_time.cpp).
    runtime_clock::time_point clock_seen_{};
    socket_table sockets_;
    std::vector<signal_operation*> signal_waiters_;
    std::map<int, std::uint32_t> signals_delivered_;  // signal number -> raised_count delivered
    bool signal_listener_ = false;
    std::size_t background_outstanding_ = 0;  // jobs whose operation still waits for them
#if defined(__linux__)
    epoll_set epoll_;
    event_target wakeup_target_{event_source::wakeup};
    event_target signals_target_{event_source::signals};
    bool signals_watched_ = false;  // the signal pipe is in epoll_ (while anyone waits)
#else
    std::vector<pollfd> poll_set_;
    std::vector<socket_handle> poll_sockets_;  // parallel to poll_set_; nullptr for non-sockets
    std::size_t poll_processes_from_ = 0;      // poll_set_ from here on: pidfds, in this order
    std::vector<process_record*> poll_processes_;
#endif
    std::vector<process_record*> processes_;  // not reaped, or not released; owned
    registry pending_;                        // parked operations
    std::vector<std::unique_ptr<background_job>> jobs_taken_;

    // --- shared with other threads ---
    kit::cancel_requests<registry> cancels_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<background_job>> finished_jobs_;  // guarded by mutex_

    kit::posix::wakeup wakeup_;
    worker_pool workers_;  // last: its threads report into the members above
};

}  // namespace interop::inline_detail
