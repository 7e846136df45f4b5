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
// cancel() finds the record through the ticket the operation carries in its
// adapter_data, so registering, claiming and cancelling cost an index, not a lookup.
//
// Timers and signal waits are not registered here: they wait in structures guarded
// by a mutex, which cancel() can take directly (see timer_queue and signal_waits).
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "interop/runtime/interface.hpp"
#include "interop/runtime/op_word.hpp"

namespace interop::asio_detail {

class tcp_socket;

class pending_ops {
public:
    // The record's slot in the low half, the slot's generation in the high half: a
    // ticket is never reused until its slot has been reused 2^32 times.
    using ticket = std::uint64_t;

    pending_ops() = default;
    pending_ops(const pending_ops&) = delete;
    pending_ops& operator=(const pending_ops&) = delete;

    // Registers `op`, which waits on `socket` (or on nothing the runtime owns: a
    // lookup, blocking work). Call it before anything can complete the operation.
    // The ticket is also kept in the operation (ticket_word), where cancel finds it.
    ticket add(operation* op, tcp_socket* socket);

    // True, and the record is gone, if `op` is still the pending operation `t`. The
    // caller then completes it; nobody else will.
    bool claim(operation* op, ticket t) noexcept;

    // For blocking work, which may no longer be cancelled once it runs: true (and
    // cancel requests are ignored from now on) unless the operation was cancelled.
    bool begin_running(operation* op, ticket t) noexcept;

    // If `op` is pending, not running and not asked before, marks it and calls
    // send(ticket, socket) under the lock. `send` must only queue work (post to an
    // executor), never complete anything. `op` must be alive (the core calls cancel
    // only while the operation's awaiter exists), but may have completed already.
    template <typename Send>
    void request_cancel(operation* op, Send&& send) {
        std::lock_guard lock(mutex_);
        const ticket t = ticket_of(op);
        record* r = find(op, t);
        if (r == nullptr || r->cancel_requested || r->running) return;
        r->cancel_requested = true;
        send(t, r->socket);
    }

private:
    static constexpr std::uint32_t no_slot = ~std::uint32_t{0};

    struct record {
        operation* op = nullptr;  // null while the slot is free
        tcp_socket* socket = nullptr;
        std::uint32_t generation = 0;
        std::uint32_t next_free = no_slot;
        bool cancel_requested = false;
        bool running = false;
    };

    using ticket_word = kit::op_word<1, ticket>;
    static ticket ticket_of(const operation* op) noexcept { return ticket_word::get(op); }

    // The record of `op` under ticket `t`, or null. Under the lock.
    record* find(const operation* op, ticket t) noexcept;

    std::mutex mutex_;
    // Slots are reused most recently freed first, so a steady stream of operations
    // that wait keeps using the same few records and allocates nothing.
    std::vector<record> records_;
    std::uint32_t free_head_ = no_slot;
};

}  // namespace interop::asio_detail
