// The libuv runtime's event loop: one uv_loop_t and the bookkeeping around it.
//
// Where the core's code runs. Every libuv callback only moves operations into the run
// queue (`queue_`, the adapter kit's run_queue); the queue is run in batches from a uv_check_t,
// right after libuv polled for I/O, so user code runs from exactly one place. A batch is the whole
// queue as it was when the batch started: every ready item runs once before any runs twice. A
// uv_idle_t is active while the queue is not empty, which makes libuv poll without blocking. The
// one exception is inline completion: a primitive that can finish at once (a read served from the
// stash, a write the kernel took at once) completes inside the start call, the fast path the
// contract allows. The other exception is a read that libuv fills: its task resumes inside the read
// callback, as a raw libuv server would handle the bytes, so it works on them while they are still
// in the cache (queued behind a thousand other connections, they would not be).
//
// The life of an operation. A primitive either completes it at once, or *parks* it
// where it waits (the timer heap, a socket, a thread-pool request, a signal watcher)
// and enters it in the registry of pending operations (`pending_`). When its event
// comes it is unparked and its completion queued. cancel() looks it up in the
// registry by the key stored in the operation itself, which is what makes a late or
// repeated cancel harmless: once the operation has been unparked its key finds
// nothing, even if the same memory is a new operation by then.
//
// Threads. post(), cancel() and stop() from other threads leave their request in the
// run queue's inbox or in `cancels_` and wake the loop with `wake_` (a uv_async_t); the loop thread
// does the rest. Everything else here belongs to the loop thread, or to the one thread using the
// runtime while no thread runs it.
//
// The implementation is split by concern:
//   loop.cpp              construction and teardown, run, stop, post, cancel, registry
//   loop_time.cpp         the clock and timers
//   loop_tcp.cpp          stream sockets: TCP listen and connect, accept, close, addresses
//   loop_unix.cpp         Unix domain stream sockets: listen, connect, pairs, names
//   loop_pipe.cpp         anonymous pipes
//   loop_stream.cpp       reading, writing, shutdown on connected sockets
//   loop_udp.cpp          UDP sockets: bind, connect, datagrams, options
//   loop_background.cpp   resolve and spawn_blocking on libuv's thread pool
//   loop_file.cpp         file requests as uv_fs_* calls
//   loop_signals.cpp      signal_wait
//   loop_process.cpp      child processes: spawned by the kit, pidfds watched by uv_poll_t
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <uv.h>

#include "interop/runtime/cancel_requests.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/runtime/pending_registry.hpp"
#include "interop/runtime/run_queue.hpp"
#include "interop/runtime/timer_heap.hpp"
#include "op_data.hpp"
#include "socket_table.hpp"
#include "stream_socket.hpp"
#include "udp_socket.hpp"

namespace interop::libuv_detail {

class loop;

// One libuv signal watcher, kept from the first wait for its signal until the loop is
// destroyed, so a signal raised while nobody waits is remembered for the next wait.
struct signal_watcher {
    uv_signal_t handle{};
    loop* owner = nullptr;
    op_list waiters;
    bool raised = false;  // raised while nobody waited
};

class loop {
public:
    loop();
    ~loop();
    loop(const loop&) = delete;
    loop& operator=(const loop&) = delete;

    uv_loop_t* native() noexcept { return &uv_; }

    // --- executor (loop.cpp) ---
    bool post(operation* op) noexcept;
    bool in_runtime_thread() const noexcept;
    void cancel(operation* op) noexcept;
    void run();
    void stop() noexcept;
    // The core's part of the runtime; the loop never uses it.
    interop::core_slot* core() noexcept { return &core_; }

    // --- time (loop_time.cpp) ---
    // uv_hrtime() reads CLOCK_MONOTONIC on Linux, as steady_clock does, through a wrapper
    // that costs as much as the read itself; nothing here mixes this clock with libuv's
    // (arm_timer gives libuv only a relative timeout). Inline, so that the vtable's entry
    // is the clock read and nothing more: a deadline reads it once per operation.
    runtime_clock::time_point now() const noexcept { return kit::steady_now(); }
    void timer_start(timer_operation* op) noexcept;

    // --- TCP (loop_tcp.cpp, loop_stream.cpp) ---
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

    // --- Unix domain sockets (loop_unix.cpp; accept and the stream calls above serve
    // them too) ---
    std::error_code unix_listen(const unix_address& local, int backlog,
                                socket_handle* out) noexcept;
    void unix_connect(unix_connect_operation* op) noexcept;
    std::error_code unix_pair(socket_handle* first, socket_handle* second) noexcept;
    std::error_code unix_address_of(socket_handle s, bool peer, unix_address* out) noexcept;

    // --- pipes (loop_pipe.cpp; read, write and close above serve their ends) ---
    std::error_code pipe_open(socket_handle* reader, socket_handle* writer) noexcept;
    std::error_code pipe_adopt(int fd, socket_handle* out) noexcept;

    // --- files (loop_file.cpp): uv_fs_* on libuv's thread pool ---
    void file_call(file_operation* op) noexcept;

    // --- UDP (loop_udp.cpp; close and the addresses above serve UDP sockets too) ---
    std::error_code udp_bind(const endpoint& local, socket_handle* out) noexcept;
    std::error_code udp_connect(socket_handle s, const endpoint& peer) noexcept;
    void send_to(datagram_operation* op) noexcept;
    void receive_from(datagram_operation* op) noexcept;
    std::error_code udp_set_option(socket_handle s, udp_option option, int value) noexcept;
    std::error_code udp_membership(socket_handle s, const ip_address& group,
                                   const ip_address& interface, bool join) noexcept;
    std::error_code udp_multicast_interface(socket_handle s, const ip_address& interface) noexcept;

    // --- child processes (loop_process.cpp) ---
    std::error_code process_spawn(const process_spec& spec, process_spawned* out) noexcept;
    void process_wait(process_wait_operation* op) noexcept;
    std::error_code process_kill(process_handle p, int signal) noexcept;
    void process_release(process_handle p) noexcept;
    struct process_record;

    // --- thread pool and signals (loop_background.cpp, loop_signals.cpp) ---
    void resolve(resolve_operation* op) noexcept;
    void spawn_blocking(blocking_operation* op) noexcept;
    std::error_code signal_watch(int signum) noexcept;
    void signal_wait(signal_operation* op) noexcept;

private:
    using registry = kit::pending_registry<registry_key_word>;

    // --- the life of an operation (loop.cpp) ---
    bool refuse_if_stopped(operation* op) noexcept { return queue_.refuse_if_stopped(op); }
    static void mark_unparked(operation* op) noexcept { registry::clear_key(op); }
    void park(operation* op) { pending_.park(op); }
    void unpark(operation* op) noexcept { pending_.unpark(op); }
    void queue_completion(operation* op, std::error_code error, std::size_t bytes);
    void finish(operation* op, std::error_code error, std::size_t bytes);      // unpark + queue
    void finish_now(operation* op, std::error_code error, std::size_t bytes);  // unpark + complete
    void cancel_parked(operation* op) noexcept;

    // --- the run queue and wake-ups (loop.cpp) ---
    void run_ready_batch() noexcept;
    void keep_polling() noexcept;
    void take_requests() noexcept;  // what other threads left
    void close_everything() noexcept;
    static void on_wake(uv_async_t* async);
    static void on_check(uv_check_t* check);

    // --- streams (loop_stream.cpp) ---
    // The checks a read and a write share; `pending` names the stream's one pending
    // read or write. The socket when `op` may go on, null once `op` was completed.
    stream_socket* stream_for(io_operation* op, io_operation* stream_socket::*pending) noexcept;

    // --- time (loop_time.cpp) ---
    void arm_timer() noexcept;
    static void on_timer(uv_timer_t* timer);

    // --- sockets (loop_tcp.cpp) ---
    stream_socket* open_socket(stream_socket::role role, stream_socket::family family) noexcept;
    // A socket of the table over descriptor `fd`, which it owns from then on (moved to a
    // number above stdio's first, `fd` then the new number); null, with `fd` closed and
    // *error set, when that fails.
    stream_socket* adopt(int& fd, stream_socket::role role, stream_socket::family family,
                         std::error_code* error) noexcept;
    std::error_code listen_on(int fd, stream_socket::family family, socket_handle* out) noexcept;
    readiness_watch* open_watch(stream_socket* socket, int fd, std::error_code* error) noexcept;
    std::error_code adopt_pair(int fds[2], stream_socket::family family, socket_handle* first,
                               socket_handle* second) noexcept;
    void close_socket(stream_socket* socket) noexcept;
    void close_handles(stream_socket* socket) noexcept;
    void abandon_socket(stream_socket* socket) noexcept;
    struct accept_outcome {
        bool would_block;  // no connection waits
        std::error_code error;
        socket_handle handle;
    };
    accept_outcome accept_one(stream_socket* listener) noexcept;
    void serve_accepts(stream_socket* listener) noexcept;
    void watch_listener(stream_socket* listener) noexcept;  // polls while accepts wait
    void fail_accepts(stream_socket* listener, std::error_code error) noexcept;
    stream_socket* find_socket(socket_handle handle) const noexcept {
        return sockets_.find_as<stream_socket>(handle);
    }
    static void on_listener_ready(uv_poll_t* readiness, int status, int events);
    static void on_connected(uv_connect_t* request, int status);
    static void on_unix_connectable(uv_poll_t* readiness, int status, int events);
    static void on_socket_closed(uv_handle_t* handle);

    // --- streams (loop_stream.cpp) ---
    struct write_attempt {
        bool pending;  // handed to libuv: completes from on_written
        std::error_code error;
        std::size_t bytes;
    };
    write_attempt start_write(stream_socket* socket, io_operation* op) noexcept;
    void stop_reading(stream_socket* socket) noexcept;
    void cancel_write(io_operation* op) noexcept;
    static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
    static void on_written(uv_write_t* request, int status);

    // --- UDP (loop_udp.cpp) ---
    udp_socket* find_udp(socket_handle handle) const noexcept {
        return sockets_.find_as<udp_socket>(handle);
    }
    // The checks a send and a receive share, as stream_for.
    udp_socket* udp_for(datagram_operation* op, datagram_operation* udp_socket::*pending) noexcept;
    void stop_receiving(udp_socket* socket) noexcept;
    void close_udp(udp_socket* socket) noexcept;
    void abandon_udp(udp_socket* socket) noexcept;
    static void on_datagram_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
    static void on_datagram(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf,
                            const sockaddr* from, unsigned flags);
    static void on_sent(uv_udp_send_t* request, int status);
    static void on_udp_closed(uv_handle_t* handle);

    // --- thread pool (loop_background.cpp) ---
    void cancel_resolve(operation* op) noexcept;
    bool cancel_blocking(operation* op) noexcept;  // false: already running; let it finish
    static void on_resolved(uv_getaddrinfo_t* request, int status, addrinfo* results);
    static void on_work(uv_work_t* request);
    static void on_work_done(uv_work_t* request, int status);

    // --- child processes (loop_process.cpp) ---
    void forget_process(process_record* record) noexcept;
    void cancel_process_wait(process_wait_operation* op) noexcept;
    void abandon_processes() noexcept;
    static void on_process_ready(uv_poll_t* watcher, int status, int events);
    static void on_process_closed(uv_handle_t* handle);
    // --- files (loop_file.cpp) ---
    int start_file_request(file_operation* op, uv_fs_t* request) noexcept;
    bool cancel_file(operation* op) noexcept;  // false: already running; let it finish
    static void on_file_done(uv_fs_t* request);

    // --- signals (loop_signals.cpp) ---
    signal_watcher* watch_signal(int signum, std::error_code* error) noexcept;
    void cancel_signal_wait(signal_operation* op) noexcept;
    static void on_signal(uv_signal_t* handle, int signum);

    interop::core_slot core_;
    kit::run_queue queue_;  // the completions, and the stop flag
    std::atomic<bool> running_{false};
    std::atomic<std::thread::id> loop_thread_{};  // the thread inside run(), if any
    bool destroying_ = false;  // in ~loop: callbacks free their requests and nothing more

    uv_loop_t uv_{};
    uv_async_t wake_{};         // other threads: posts, cancel requests, stop
    uv_check_t runner_{};       // runs a batch of the run queue after each poll
    uv_idle_t keep_polling_{};  // active while the run queue is not empty
    uv_timer_t timer_{};        // armed for the earliest deadline in timers_
    bool timer_armed_ = false;
    runtime_clock::time_point armed_for_{};  // the deadline it is armed for, while timer_armed_

    // --- loop thread only ---
    registry pending_;  // parked operations
    timer_heap timers_;
    socket_table sockets_;  // every socket not yet closing, streams and UDP
    std::map<int, std::unique_ptr<signal_watcher>> signals_;
    std::vector<process_record*> processes_;  // not reaped, or not released

    // --- shared with other threads ---
    kit::cancel_requests<registry> cancels_;
};

}  // namespace interop::libuv_detail
