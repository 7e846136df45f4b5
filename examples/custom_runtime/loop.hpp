// The event loop behind tiny::runtime. One thread runs it; each lap it
//   1. completes every operation that was ready when the lap began (a batch, so a
//      task that keeps yielding cannot starve the others),
//   2. waits in epoll for I/O, a wake-up or the earliest timer,
//   3. takes what other threads left (posts, cancel requests), and
//   4. completes the timers that are due.
// Only step 1 calls into interop's core.
//
// The parts come from interop's adapter kit (<interop/runtime/...>): the run queue,
// the timer heap, the queues of operations waiting on a socket, the registry of
// pending operations, whose keys let cancel() (callable from any thread, and late)
// tell whether an operation still waits without touching one that has completed, and
// the rules by which operations wait on a socket, the POSIX socket calls and the
// wake-up. What is tiny's own is the epoll reactor. The kit keeps what it needs in the operation's
// adapter_data words:
//   word 0  the timer's heap index, or the socket a connect is opening
//   words 1 and 2  the links of a socket's queue
//   word 3  the key in the registry
#pragma once

#include <cstddef>
#include <cstdint>
#include <system_error>
#include <unordered_set>

#include <interop/runtime/cancel_requests.hpp>
#include <interop/runtime/interface.hpp>
#include <interop/runtime/op_queue.hpp>
#include <interop/runtime/op_word.hpp>
#include <interop/runtime/pending_registry.hpp>
#include <interop/runtime/posix_socket.hpp>
#include <interop/runtime/posix_wakeup.hpp>
#include <interop/runtime/run_queue.hpp>
#include <interop/runtime/socket_waits.hpp>
#include <interop/runtime/timer_heap.hpp>

namespace tiny {

using interop::operation;
namespace kit = interop::kit;
namespace posix = interop::kit::posix;

struct socket;
using timer_index = kit::op_word<0, std::size_t>;
using connecting = kit::op_word<0, socket*>;
using op_queue = kit::op_queue<kit::op_word<1, operation*>, kit::op_word<2, operation*>>;
using registry = kit::pending_registry<kit::op_word<3, kit::registry_key>>;

// A socket and the operations waiting on it (readers and writers, in the order they
// started).
struct socket : kit::socket_waits<op_queue> {
    int fd = -1;
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
    // The life of an operation (loop.cpp).
    bool refused(operation* op) noexcept { return queue_.refuse_if_stopped(op); }
    void wait(operation* op) { pending_.park(op); }  // now pending
    void finish(operation* op, std::error_code error, std::size_t bytes);
    void cancel_waiting(operation* op);

    // One lap (loop.cpp).
    int epoll_timeout() noexcept;
    void fire_timers();

    // Sockets (sockets.cpp).
    void start(socket* s, op_queue& queue, operation* op);
    posix::attempt try_now(socket* s, operation* op);
    void dispatch(socket* s, std::uint32_t events);
    void serve(socket* s, op_queue& queue);
    socket* add_socket(int fd);
    void remove_socket(socket* s) noexcept;

    const int epoll_fd_;
    posix::wakeup wakeup_;
    interop::core_slot core_;
    kit::run_queue queue_;
    kit::cancel_requests<registry> cancels_;

    // The loop's thread only.
    kit::timer_heap<timer_index> timers_;
    registry pending_;
    std::unordered_set<socket*> sockets_;
};

}  // namespace tiny
