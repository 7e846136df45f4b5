// tiny::runtime: a small runtime for interop, written outside interop's tree.
//
//     tiny::runtime rt;
//     int answer = interop::run(rt.ref(), compute());
//
// It implements interop's primitive interface (<interop/runtime/interface.hpp>) and no
// more: its one capability is cap_ipv6, so the conformance suite (conformance_backend.cpp)
// reports name resolution, blocking offload, signals and virtual time as n/a.
//
// One thread runs its loop; each lap it
//   1. completes the operations that are ready, in batches (each batch is what was
//      ready when it began, so a task that keeps yielding cannot starve the others),
//      until none is left or a few dozen have run,
//   2. waits in epoll for I/O, a wake-up or the earliest timer (only looks, if work
//      is left),
//   3. takes what other threads left (posts, cancel requests), and
//   4. completes the timers that are due.
// Only step 1 calls into interop's core.
//
// All but the epoll reactor comes from interop's adapter kit (<interop/runtime/...>):
// the run queue, the timer heap, the rules and queues of operations waiting on a
// socket, the POSIX socket calls, the wake-up, and the registry of pending operations,
// whose keys let cancel() (callable from any thread, and late) tell whether an
// operation still waits without touching one that has completed. The kit keeps what
// it needs in the operation's adapter_data words:
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

using interop::endpoint;
using interop::operation;
using interop::socket_handle;
namespace kit = interop::kit;
namespace posix = interop::kit::posix;

struct socket;
using timer_index = kit::op_word<0, std::size_t>;
using connecting = kit::op_word<0, socket*>;
using op_queue = kit::op_queue<kit::op_word<1, operation*>, kit::op_word<2, operation*>>;
using registry = kit::pending_registry<kit::op_word<3, kit::registry_key>>;

// A socket and the operations waiting on it, readers and writers, in start order.
struct socket : kit::socket_waits<op_queue> {
    int fd = -1;
    // Accepts only; a connection reads, writes and shuts down. The contract answers a
    // call on the wrong kind with bad_file_descriptor, whatever the system would say.
    bool listener = false;
};

class runtime {
public:
    runtime();
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    // What interop's core is given: the vtable, generated from this class by the kit
    // (each entry calls the member function of the same name), and this object.
    interop::runtime_ref ref() noexcept;

    // The primitives. Any thread:
    bool post(operation* op) noexcept;
    void cancel(operation* op) noexcept;
    void stop() noexcept;
    interop::runtime_clock::time_point now() const noexcept { return kit::steady_now(); }
    bool in_runtime_thread() const noexcept;
    interop::core_slot* core() noexcept { return &core_; }

    // The loop's thread, or while no thread runs it:
    void run();
    void timer_start(interop::timer_operation* op) noexcept;
    std::error_code tcp_listen(const endpoint& local, int backlog, socket_handle* out) noexcept;
    void tcp_accept(interop::accept_operation* op) noexcept;
    void tcp_connect(interop::connect_operation* op) noexcept;
    void read(interop::io_operation* op) noexcept;
    void write(interop::io_operation* op) noexcept;
    std::error_code shutdown_write(socket_handle s) noexcept;
    void close(socket_handle s) noexcept;
    std::error_code local_endpoint(socket_handle s, endpoint* out) noexcept;
    std::error_code remote_endpoint(socket_handle s, endpoint* out) noexcept;
    std::error_code set_no_delay(socket_handle s, bool enabled) noexcept;
    int native_handle(socket_handle s) noexcept;

private:
    // The life of an operation (tiny_runtime.cpp).
    bool refused(operation* op) noexcept { return queue_.refuse_if_stopped(op); }
    void wait(operation* op) { pending_.park(op); }  // now pending
    void finish(operation* op, std::error_code error, std::size_t bytes);
    void cancel_waiting(operation* op);

    // One lap (tiny_runtime.cpp).
    int epoll_timeout() noexcept;
    void fire_timers();

    // Sockets (sockets.cpp).
    void start(socket* s, op_queue socket::*queue, operation* op);
    posix::attempt try_now(socket* s, operation* op);
    void dispatch(socket* s, std::uint32_t events);
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
