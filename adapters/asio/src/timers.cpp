// Timers: the runtime's own heap of deadlines (kit::timer_heap), driven by one
// asio::steady_timer.
//
// A sleep costs no allocation and no Asio timer of its own: it is an entry in the heap,
// and one steady_timer per runtime is armed for the earliest deadline. When it
// expires, the due operations are taken out in deadline order (start order for equal
// deadlines) and their completions queued on the io_context.
//
// The heap and the steady_timer are guarded by the runtime's parked_mutex_, with the
// registry, so timer_start(), cancel() and the expiry handler may run on any thread. A
// timer is parked in the registry like any other operation: cancel() finds it there
// only until it fires, so a late cancel() does nothing.
#include <chrono>

#include <asio/error.hpp>

#include "completion.hpp"
#include "interop/runtime/timer_heap.hpp"
#include "runtime.hpp"

namespace interop::asio_detail {
namespace {

std::chrono::steady_clock::time_point to_steady(runtime_clock::time_point t) noexcept {
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.time_since_epoch()));
}

}  // namespace

void runtime::timer_start(timer_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    // A cancel of a timer that never parks must not find the key of its previous wait.
    registry::clear_key(op);
    // Already due by what the loop last read of the clock: complete at the next turn of
    // the loop (a post), never here, so that sleep_for(0) is a yield point. Comparing
    // first keeps deadlines far in the past out of any arithmetic. One due since is
    // parked, and the steady_timer armed for it fires at once (kit::park_timer): the
    // core has just read the clock to compute the deadline, and a second read would
    // cost as much as the rest of this call.
    const runtime_clock::time_point seen{
        runtime_clock::duration(clock_seen_.load(std::memory_order_relaxed))};
    if (op->deadline <= seen) return complete_later(op);

    std::lock_guard lock(parked_mutex_);
    pending_.park(op);
    timers_.push(op);
    if (!timer_armed_ || op->deadline < timer_armed_for_) arm_timer(op->deadline);
}

void runtime::arm_timer(runtime_clock::time_point earliest) {
    // A deadline hours away (up to time_point::max()) is approached in steps of an
    // hour, so no arithmetic inside Asio meets the far future.
    const runtime_clock::time_point limit = now() + std::chrono::hours(1);
    const runtime_clock::time_point at = earliest < limit ? earliest : limit;
    // expires_at() aborts the wait it replaces; that handler sees operation_aborted.
    timer_.expires_at(to_steady(at));
    timer_.async_wait(
        recycled(multi_threaded(), [this](const std::error_code& ec) { on_timer(ec); }));
    timer_armed_ = true;
    timer_armed_for_ = at;
}

void runtime::on_timer(const std::error_code& ec) {
    // Aborted: a later arm_timer() replaced this wait, or the runtime is being destroyed.
    if (ec == asio::error::operation_aborted) return;
    std::lock_guard lock(parked_mutex_);
    timer_armed_ = false;
    const runtime_clock::time_point current = now();
    clock_seen_.store(current.time_since_epoch().count(), std::memory_order_relaxed);
    // Queued in deadline order, so they also complete in that order.
    while (timer_operation* op = timers_.pop_due(current)) {
        pending_.unpark(op);
        complete_later(op);
    }
    // A cancelled earliest timer leaves the steady_timer armed for it; it then finds
    // nothing due here and re-arms for the next one. Cheaper than re-arming at cancel.
    if (!timers_.empty()) arm_timer(timers_.earliest());
}

}  // namespace interop::asio_detail
