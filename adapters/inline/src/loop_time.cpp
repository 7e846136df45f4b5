// The clock, timers, and virtual time.

#include "loop.hpp"

namespace interop::inline_detail {

void loop::timer_start(timer_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    // Already due by what the loop last read of the clock: complete on the next lap
    // (never inline, so sleep_for(0) yields). One due since is parked and completes
    // when the lap looks at its timers (kit::park_timer). Virtual time is exact.
    const runtime_clock::time_point seen = virtual_time_ ? now() : clock_seen_;
    if (!kit::park_timer(timers_, pending_, op, seen)) queue_completion(op, {}, 0);
}

int loop::poll_timeout() const noexcept {
    if (!queue_.empty() || queue_.stopped()) return 0;
    if (timers_.empty()) return -1;  // until I/O, a signal or a wake-up
    const runtime_clock::time_point current = now();
    const runtime_clock::time_point earliest = timers_.earliest();
    if (earliest <= current) return 0;
    // Virtual time: take a look at I/O without waiting, then jump (fire_due_timers).
    // Work on the worker threads will finish in real time, though, and may start
    // timers of its own, so while any is outstanding wait for it instead of jumping.
    if (virtual_time_) return background_outstanding_ == 0 ? 0 : -1;
    return kit::milliseconds_until(earliest, current);  // the wait takes whole milliseconds
}

// Virtual time. The clock starts at 0 and moves only by jumps: when a lap ends with
// nothing ready (the run queue is empty after a zero-timeout wait) and no resolve or
// blocking job is outstanding, the clock jumps to the earliest deadline and the
// timers due then fire, in deadline order and, for equal deadlines, in start order.
// Pending socket I/O does not hold the clock back (a peer might never answer), and
// neither do posts from other threads, which the loop cannot foresee. With no timers
// at all the loop blocks in its wait until I/O or a wake-up, like real time does.
void loop::fire_due_timers() {
    if (timers_.empty()) return;
    if (virtual_time_ && queue_.empty() && background_outstanding_ == 0) {
        const runtime_clock::rep earliest = timers_.earliest().time_since_epoch().count();
        if (earliest > virtual_now_.load()) virtual_now_.store(earliest);
    }
    const runtime_clock::time_point current = now();
    clock_seen_ = current;
    while (timer_operation* op = timers_.pop_due(current)) finish(op, {}, 0);
}

}  // namespace interop::inline_detail
