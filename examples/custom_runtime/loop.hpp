// The event loop behind tiny::runtime. One thread runs it; each lap it
//   1. completes every operation that was ready when the lap began (a batch, so a
//      task that keeps yielding cannot starve the others),
//   2. waits in epoll for I/O, a wake-up or the earliest timer,
//   3. takes what other threads left (posts, cancel requests), and
//   4. completes the timers that are due.
// Only step 1 calls into interop's core.
//
// Every operation that is neither completed nor queued is recorded in `pending_`, so
// cancel() (callable from any thread, and late) can tell whether it still has work to
// do without touching an operation that has already completed.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory_resource>
#include <mutex>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <interop/runtime_interface.hpp>

namespace tiny {

using interop::operation;

// A socket and the operations waiting on it, in the order they started.
struct socket {
    int fd = -1;
    std::deque<operation*> readers;  // reads, or accepts on a listener
    std::deque<operation*> writers;  // writes, or the connect that opens it
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
    std::error_code tcp_listen(const interop::endpoint& local, int backlog, interop::socket_handle* out) noexcept;
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
    struct timer_entry {
        interop::runtime_clock::time_point deadline;
        std::uint64_t id;  // matches pending_[op] while the timer is armed
        operation* op;
        bool operator>(const timer_entry& other) const noexcept {
            return deadline != other.deadline ? deadline > other.deadline : id > other.id;
        }
    };

    // The life of an operation (loop.cpp).
    bool refused_after_stop(operation* op) noexcept;
    void wait(operation* op, std::uint64_t id = 0);  // now pending
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
    std::vector<timer_entry> timers_;  // a min-heap
    std::uint64_t next_timer_id_ = 1;
    std::unordered_set<socket*> sockets_;

    // Shared with other threads.
    struct waiting {
        std::uint64_t timer_id = 0;  // 0: not a timer
        bool cancel_requested = false;
    };
    std::mutex mutex_;
    // The map's nodes come from a pool, so that a steady stream of operations does not
    // reach the heap (the conformance suite counts every allocation).
    std::pmr::unsynchronized_pool_resource pending_memory_;
    std::pmr::unordered_map<operation*, waiting> pending_{&pending_memory_};
    std::vector<completion> inbox_;
    std::vector<operation*> cancel_requests_;
};

}  // namespace tiny
