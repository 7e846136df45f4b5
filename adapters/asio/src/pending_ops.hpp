// The registry of parked operations: the ones that did not complete when they
// started and whose completion will come from a handler later.
//
// It is what makes cancel() safe to call from any thread and late. An operation is
// registered with a *ticket*, a number never used twice in this runtime. Every
// handler that may complete it carries (op, ticket) instead of trusting the pointer,
// and completes the operation only if claim(op, ticket) succeeds; claim() removes
// the record, so exactly one handler wins. A handler that comes late (a lookup whose
// operation was cancelled meanwhile, a cancel request for an operation that already
// completed) finds no record, or a record with another ticket when the core has
// reused the memory for a new operation, and leaves the operation alone. Nothing
// is read from an operation unless it is known to be pending: its record exists, or
// it still sits in a socket's queue, which only strand handlers change.
//
// cancel() looks the operation up here under the lock. While the record exists the
// operation is pending, so its memory is alive and so is the socket it waits on
// (pending operations keep their socket alive): the cancel request can safely be
// sent to the socket's strand from inside the lock.
//
// Timers and signal waits are not registered here: they wait in structures guarded
// by a mutex, which cancel() can take directly (see timer_queue and signal_waits).
#pragma once

#include <cstdint>
#include <memory_resource>
#include <mutex>
#include <unordered_map>

#include "interop/runtime_interface.hpp"

namespace interop::asio_detail {

class tcp_socket;

class pending_ops {
public:
    using ticket = std::uint64_t;

    pending_ops() : records_(&memory_) {}
    pending_ops(const pending_ops&) = delete;
    pending_ops& operator=(const pending_ops&) = delete;

    // Registers `op`, which waits on `socket` (or on nothing the runtime owns: a
    // lookup, blocking work). Call it before anything can complete the operation.
    ticket add(operation* op, tcp_socket* socket);

    // True, and the record is gone, if `op` is still the pending operation `t`. The
    // caller then completes it; nobody else will.
    bool claim(operation* op, ticket t) noexcept;

    // For blocking work, which may no longer be cancelled once it runs: true (and
    // cancel requests are ignored from now on) unless the operation was cancelled.
    bool begin_running(operation* op, ticket t) noexcept;

    // If `op` is pending, not running and not asked before, marks it and calls
    // send(ticket, socket) under the lock. `send` must only queue work (post to an
    // executor), never complete anything.
    template <typename Send>
    void request_cancel(operation* op, Send&& send) {
        std::lock_guard lock(mutex_);
        const auto it = records_.find(op);
        if (it == records_.end()) return;
        record& r = it->second;
        if (r.cancel_requested || r.running) return;
        r.cancel_requested = true;
        send(r.id, r.socket);
    }

private:
    struct record {
        ticket id;
        tcp_socket* socket;
        bool cancel_requested;
        bool running;
    };

    std::mutex mutex_;
    ticket next_ = 1;
    // The map's nodes come from a pool, so a steady stream of operations that wait
    // does not allocate each time.
    std::pmr::unsynchronized_pool_resource memory_;
    std::pmr::unordered_map<operation*, record> records_;
};

}  // namespace interop::asio_detail
