/// \file
/// Time on the runtime's own clock: now, sleep_for, sleep_until.
///
/// Durations are converted to the runtime clock's nanoseconds rounding up, so a
/// sleep never completes before the requested duration. Huge durations saturate
/// instead of overflowing.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <ratio>
#include <type_traits>

#include "interop/detail/leaf_operation.hpp"
#include "interop/io_result.hpp"

namespace interop {

/// A duration on the runtime clock (nanoseconds).
using duration = runtime_clock::duration;
/// A point in time on the runtime clock.
using time_point = runtime_clock::time_point;

namespace detail {

// ceil() to nanoseconds, saturating at the largest representable duration.
template <typename Rep, typename Period>
constexpr duration to_runtime_duration(std::chrono::duration<Rep, Period> d) noexcept {
    using per_ns = std::ratio_divide<Period, std::nano>;
    if constexpr (std::is_integral_v<Rep> && per_ns::den == 1) {
        // Whole nanoseconds or coarser (every chrono duration but finer ones and
        // floating point): exact in integers, which a timeout per read can afford.
        constexpr auto max = std::numeric_limits<duration::rep>::max();
        if (d.count() <= 0) return duration{0};
        if (static_cast<std::uintmax_t>(d.count()) > static_cast<std::uintmax_t>(max / per_ns::num))
            return duration{max};
        return duration{static_cast<duration::rep>(d.count()) * per_ns::num};
    }
    using wide = std::chrono::duration<long double, std::nano>;
    const long double ns = std::chrono::duration_cast<wide>(d).count();
    constexpr auto max = std::numeric_limits<duration::rep>::max();
    if (ns >= static_cast<long double>(max)) return duration{max};
    if (ns <= 0) return duration{0};
    return std::chrono::ceil<duration>(d);
}

// At the clock's ends rather than past them. With the overflow flag: a deadline is
// worked out per timed read, and the test this way is one instruction.
constexpr time_point saturating_add(time_point t, duration d) noexcept {
    duration::rep sum = 0;
    if (__builtin_add_overflow(t.time_since_epoch().count(), d.count(), &sum)) [[unlikely]] {
        using limits = std::numeric_limits<duration::rep>;
        return time_point{duration{d.count() > 0 ? limits::max() : limits::min()}};
    }
    return time_point{duration{sum}};
}

class sleep_awaitable : public leaf_operation<timer_operation, sleep_awaitable> {
public:
    static constexpr const char* operation_name = "interop::sleep";

    // Either an absolute deadline, or a delay measured from now() at start.
    sleep_awaitable(time_point at, bool relative, duration delay) noexcept
        : deadline_(at), relative_(relative), delay_(delay) {}

    void start(runtime_ref rt) noexcept {
        op().deadline = relative_ ? saturating_add(rt.vtable->now(rt.self), delay_) : deadline_;
        rt.vtable->timer_start(rt.self, &op());
    }
    io_result<void> await_resume() noexcept {
        finish();
        return io_result<void>{error()};
    }

private:
    time_point deadline_;
    bool relative_;
    duration delay_;
};

// Reads the runtime's clock without suspending.
struct now_awaitable {
    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        runtime_ref rt = runtime_of(awaiter, "interop::now");
        value = rt.vtable->now(rt.self);
        return false;
    }
    time_point await_resume() const noexcept { return value; }
    time_point value{};
};

}  // namespace detail

/// The runtime's monotonic clock, read through the runtime handle.
inline time_point now(runtime_ref rt) noexcept { return rt.vtable->now(rt.self); }

/// `co_await interop::now()`: the clock of the runtime driving the current task.
inline detail::now_awaitable now() noexcept { return {}; }

/// Completes no earlier than now() + d, or with operation_canceled when the task is cancelled.
template <typename Rep, typename Period>
[[nodiscard]] detail::sleep_awaitable sleep_for(std::chrono::duration<Rep, Period> d) noexcept {
    return detail::sleep_awaitable{time_point{}, true, detail::to_runtime_duration(d)};
}

/// Completes no earlier than `deadline`; a deadline in the past completes at the next resumption.
[[nodiscard]] inline detail::sleep_awaitable sleep_until(time_point deadline) noexcept {
    return detail::sleep_awaitable{deadline, false, duration{0}};
}

}  // namespace interop
