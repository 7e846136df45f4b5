// The clock and timers.
//
// The runtime's clock is steady_clock (CLOCK_MONOTONIC on Linux, as uv_hrtime()). Pending
// timers sit in one heap, and one uv_timer_t is armed for the earliest deadline: libuv
// keeps one timer however many sleeps are pending.
//
// libuv counts timers in whole milliseconds of its loop time (uv_now), which is the
// same clock truncated to milliseconds. Arming a timer for "the deadline, rounded up
// to a whole millisecond of loop time" would make every sleep about a millisecond
// late: libuv computes how long to poll from the truncated time, so it polls for up
// to a millisecond more than needed. Instead the time left is rounded up to whole
// milliseconds and counted from the present (uv_update_time first), which wakes the
// loop just after the deadline. If the loop crosses a millisecond boundary between
// arming and polling, libuv fires the timer up to a millisecond early; that is why
// the callback checks every deadline against now() in nanoseconds and re-arms for
// what is not due yet. A sleep never completes early.
#include <cstdint>

#include "interop/runtime/timer_heap.hpp"
#include "loop.hpp"

namespace interop::libuv_detail {

void loop::timer_start(timer_operation* op) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return;
    // Already due by libuv's loop time (this clock truncated to milliseconds when the
    // iteration began, never ahead of now()): complete on the next batch, never
    // inline, so sleep_for(0) yields. One due since is parked, and the timer armed
    // for it fires at once (kit::park_timer). No clock read.
    const runtime_clock::time_point seen{std::chrono::milliseconds(uv_now(&uv_))};
    if (!kit::park_timer(timers_, pending_, op, seen)) return queue_completion(op, {}, 0);
    arm_timer();
}

// Arms the libuv timer for the earliest deadline, unless it is armed for that deadline
// or an earlier one already (then it costs no clock read). A cancelled earliest timer
// leaves it armed: it then fires for nothing and is re-armed, which is cheaper than
// re-arming on every cancel.
void loop::arm_timer() noexcept {
    if (timers_.empty()) return;
    const runtime_clock::time_point earliest = timers_.earliest();
    if (timer_armed_ && armed_for_ <= earliest) return;
    uv_update_time(&uv_);  // count from now, not from the start of this loop iteration
    const auto timeout = static_cast<std::uint64_t>(kit::milliseconds_until(earliest, now()));
    uv_timer_start(&timer_, &loop::on_timer, timeout, 0);
    timer_armed_ = true;
    armed_for_ = earliest;
}

void loop::on_timer(uv_timer_t* timer) {
    auto* self = static_cast<loop*>(timer->data);
    self->timer_armed_ = false;
    const runtime_clock::time_point current = self->now();
    while (timer_operation* op = self->timers_.pop_due(current)) self->finish(op, {}, 0);
    self->arm_timer();
}

}  // namespace interop::libuv_detail
