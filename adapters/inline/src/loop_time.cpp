// The clock, timers, and virtual time.
#include <algorithm>
#include <chrono>
#include <limits>

#include "loop.hpp"

namespace interop::inline_detail {
namespace {

// poll() sleeps whole milliseconds. Round up: rounding down would wake the loop
// before the deadline and make it spin through the remaining fraction.
int milliseconds_rounded_up(runtime_clock::duration remaining) noexcept {
    constexpr runtime_clock::rep ns_per_ms = 1'000'000;
    const runtime_clock::rep ns = remaining.count();
    const runtime_clock::rep ms = ns / ns_per_ms + (ns % ns_per_ms != 0 ? 1 : 0);
    // Far deadlines just mean a longer sleep; the next lap computes the rest.
    return static_cast<int>(std::min<runtime_clock::rep>(ms, std::numeric_limits<int>::max()));
}

}  // namespace

runtime_clock::time_point loop::now() const noexcept {
    if (virtual_time_)
        return runtime_clock::time_point(runtime_clock::duration(virtual_now_.load()));
    const auto since_epoch = std::chrono::steady_clock::now().time_since_epoch();
    return runtime_clock::time_point(
        std::chrono::duration_cast<runtime_clock::duration>(since_epoch));
}

void loop::timer_start(timer_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    // Already due: complete on the next lap (never inline, so sleep_for(0) yields).
    // Comparing first means a deadline far in the past never takes part in arithmetic.
    if (op->deadline <= now()) {
        queue_completion(op, {}, 0);
        return;
    }
    timers_.push(op);
    park(op);
}

int loop::poll_timeout() const noexcept {
    if (!ready_.empty() || stopped_) return 0;
    if (timers_.empty()) return -1;  // until I/O, a signal or a wake-up
    const runtime_clock::time_point current = now();
    const runtime_clock::time_point earliest = timers_.earliest();
    if (earliest <= current) return 0;
    // Virtual time: take a look at I/O without waiting, then jump (fire_due_timers).
    // Work on the worker threads will finish in real time, though, and may start
    // timers of its own, so while any is outstanding wait for it instead of jumping.
    if (virtual_time_) return background_outstanding_ == 0 ? 0 : -1;
    return milliseconds_rounded_up(earliest - current);
}

// Virtual time. The clock starts at 0 and moves only by jumps: when a lap ends with
// nothing ready (the run queue is empty after a zero-timeout poll) and no resolve or
// blocking job is outstanding, the clock jumps to the earliest deadline and the
// timers due then fire, in deadline order and, for equal deadlines, in start order.
// Pending socket I/O does not hold the clock back (a peer might never answer), and
// neither do posts from other threads, which the loop cannot foresee. With no timers
// at all the loop blocks in poll() until I/O or a wake-up, like real time does.
void loop::fire_due_timers() {
    if (timers_.empty()) return;
    if (virtual_time_ && ready_.empty() && background_outstanding_ == 0) {
        const runtime_clock::rep earliest = timers_.earliest().time_since_epoch().count();
        if (earliest > virtual_now_.load()) virtual_now_.store(earliest);
    }
    const runtime_clock::time_point current = now();
    while (timer_operation* op = timers_.pop_due(current)) finish(op, {}, 0);
}

}  // namespace interop::inline_detail
