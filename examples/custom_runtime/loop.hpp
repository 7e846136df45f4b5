// The event loop behind tiny::runtime. One thread runs it; each lap it
//   1. completes every operation that was ready when the lap began (a batch, so a
//      task that keeps yielding cannot starve the others),
//   2. waits in epoll for I/O, a wake-up or the earliest timer,
//   3. takes what other threads left (posts, cancel requests), and
//   4. completes the timers that are due.
// Only step 1 calls into interop's core.
//
// The containers come from interop's adapter kit (<interop/runtime/...>): the
// timer heap, the queues of operations waiting on a socket, and the registry of
// pending operations, whose keys let cancel() (callable from any thread, and late)
// tell whether an operation still waits without touching one that has completed.
// Each keeps what it needs in the operation's adapter_data words:
//   word 0  the timer's heap index, or the socket a connect is opening
//   words 1 and 2  the links of a socket's queue
//   word 3  the key in the registry
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <unordered_set>
#include <vector>

#include <interop/runtime/interface.hpp>
#include <interop/runtime/op_queue.hpp>
#include <interop/runtime/op_word.hpp>
#include <interop/runtime/pending_registry.hpp>
#include <interop/runtime/timer_heap.hpp>

namespace tiny {

using interop::operation;
namespace kit = interop::kit;

struct socket;
using timer_index = kit::op_word<0, std::size_t>;
using connecting = kit::op_word<0, socket*>;
using op_queue = kit::op_queue<kit::op_word<1, operation*>, kit::op_word<2, operation*>>;
using registry = kit::pending_registry<kit::op_word<3, kit::registry_key>>;

// A socket and the operations waiting on it, in the order they started.
struct socket {
    int fd = -1;
    op_queue readers;  // reads, or accepts on a listener
    op_queue writers;  // writes, or the connect that opens it
};

class loop {
public:
    loop();
    ~loop();
    loop(const loop&) = delete;
    loop& operator=(const loop&) = delete;

    // Any thread.
    bool post(operation* op) noexcept;
    void cancel(operation* op) noexcept;
    void stop() noexcept;
    interop::runtime_clock::time_point now() const noexcept;
    bool in_runtime_thread() const noexcept;
    interop::core_slot* core() noexcept { return &core_; }

    // The loop's thread, or while no thread runs it.
    void run();
    void timer_start(interop::timer_operation* op) noexcept;
    std::error_code tcp_listen(const interop::endpoint& local, int backlog,
                               interop::socket_handle* out) noexcept;
    void tcp_accept(interop::accept_operation* op) noexcept;
    void tcp_connect(interop::connect_operation* op) noexcept;
    void read(interop::io_operation* op) noexcept;
    void write(interop::io_operation* op) noexcept;
    std::error_code shutdown_write(interop::socket_handle s) noexcept;
    void close(interop::socket_handle s) noexcept;
    std::error_code local_endpoint(interop::socket_handle s, interop::endpoint* out) noexcept;
    std::error_code remote_endpoint(interop::socket_handle s, interop::endpoint* out) noexcept;
    std::error_code set_no_delay(interop::socket_handle s, bool enabled) noexcept;

private:
    struct completion {
        operation* op;
        std::error_code error;
        std::size_t bytes;
    };

    // The life of an operation (loop.cpp).
    bool refused_after_stop(operation* op) noexcept;
    void wait(operation* op) { pending_.park(op); }  // now pending
    void finish(operation* op, std::error_code error, std::size_t bytes);
    void cancel_waiting(operation* op);
    void wake() noexcept;

    // One lap (loop.cpp).
    void run_ready();
    int epoll_timeout() noexcept;
    void take_inbox();
    void fire_timers();

    // Sockets (sockets.cpp).
    void dispatch(socket* s, std::uint32_t events);
    void serve_readers(socket* s);
    void serve_writers(socket* s);
    socket* add_socket(int fd);
    void remove_socket(socket* s) noexcept;

    const int epoll_fd_;
    const int wake_fd_;
    interop::core_slot core_;
    std::atomic<bool> stopped_{false};

    // The loop's thread only.
    std::vector<completion> ready_;
    std::vector<completion> batch_;
    kit::timer_heap<timer_index> timers_;
    registry pending_;
    std::vector<registry::key> cancels_taken_;
    std::unordered_set<socket*> sockets_;

    // Shared with other threads.
    std::mutex mutex_;
    std::vector<completion> inbox_;
    std::vector<registry::key> cancel_requests_;  // keys, not pointers: see cancel()
};

}  // namespace tiny
