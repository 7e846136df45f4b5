/// \file
/// The operations waiting on one socket of a loop that waits for readiness (poll,
/// epoll, kqueue), and the contract's rules for them:
///     - reads, receives and accepts wait in `readers`; writes, sends, and the connect
///       that opens the socket, in `writers`; each in the order they started;
///     - a new operation tries its call at once only when nothing waits before it (the
///       fast path: a read that finds bytes waiting completes without a trip through the
///       loop). Accepts on a listener queue up behind each other; a second read (or
///       write) on a stream while one waits is refused with device_or_resource_busy;
///     - when the socket is ready, a queue is served in order until a call would block.
///       A waiting read calls recv() only when it is served, never when it is cancelled,
///       so a cancelled read consumes nothing.
/// The calls are the adapter's: `try_op(op)` makes one, without blocking, and returns
/// what posix::attempt holds (would_block, error, bytes); posix_socket.hpp's try_once
/// is one. The queues are kit::op_queues, linked through the operations.
///
///     struct my_socket : kit::socket_waits<my_queue> { int fd; };
#pragma once

#include <system_error>

#include "interop/runtime/interface.hpp"

namespace interop::kit {

template <typename Queue>
struct socket_waits {
    Queue readers;  // reads, or accepts on a listener
    Queue writers;  // writes, or the connect that opens the socket

    bool has_waiters() const noexcept { return !readers.empty() || !writers.empty(); }

    /// A read, write or accept starts on this socket: `queue` is readers or writers, as
    /// above. It completes at once, or waits in `queue` and is handed to park(op).
    template <typename Try, typename Park>
    static void start(Queue& queue, operation* op, Try&& try_op, Park&& park) {
        if (queue.empty()) {
            const auto outcome = try_op(op);
            if (!outcome.would_block) return op->complete(outcome.error, outcome.bytes);
        } else if (op->kind != op_kind::accept) {
            return op->complete(std::make_error_code(std::errc::device_or_resource_busy), 0);
        }
        queue.push_back(op);
        park(op);
    }

    /// The socket is ready for `queue`: done(op, outcome) for each operation served, in
    /// order, until a call would block. A connect is the only operation on its socket
    /// (the core has no handle to it yet), so done() may close the socket after one,
    /// and serving stops there.
    template <typename Try, typename Done>
    static void serve(Queue& queue, Try&& try_op, Done&& done) {
        while (operation* op = queue.front()) {
            const auto outcome = try_op(op);
            if (outcome.would_block) return;
            queue.pop_front();
            if (op->kind == op_kind::connect) return done(op, outcome);
            done(op, outcome);
        }
    }

    /// cancel() of an operation that waits here.
    void remove(operation* op) noexcept { (is_reader(op) ? readers : writers).remove(op); }

    /// Whether `op` waits in `readers`: a read, a receive_from or an accept.
    static bool is_reader(const operation* op) noexcept {
        return op->kind == op_kind::read || op->kind == op_kind::receive_from ||
               op->kind == op_kind::accept;
    }

    /// close(): release(op) for each operation still waiting, readers first. Complete
    /// them from the run queue, never from inside close().
    template <typename Release>
    void release_all(Release&& release) {
        while (operation* op = readers.pop_front()) release(op);
        while (operation* op = writers.pop_front()) release(op);
    }
};

/// The socket a waiting read, write, send, receive or accept is on; null for other operations (a
/// connect's socket is the adapter's to remember: the core has no handle to it yet).
inline socket_handle socket_of(const operation* op) noexcept {
    switch (op->kind) {
        case op_kind::read:
        case op_kind::write:
        case op_kind::send_to:
        case op_kind::receive_from:
            return static_cast<const io_operation*>(op)->socket;
        case op_kind::accept:
            return static_cast<const accept_operation*>(op)->listener;
        default:
            return nullptr;
    }
}

}  // namespace interop::kit
