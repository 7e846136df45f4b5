/// \file
/// interval(period): an AsyncIterator of ticks on the runtime clock.
///
/// The first tick is immediate. Later ticks are due at start + k * period. When the
/// consumer falls behind and several ticks have been missed, the missed ones are
/// skipped: the next tick fires at the next multiple of the period after now, so a
/// slow consumer never sees a burst of catch-up ticks. Each tick yields the time
/// it was due. If the task is cancelled while waiting, next() returns the end.
#pragma once

#include <optional>

#include "interop/task.hpp"
#include "interop/time.hpp"

namespace interop {

/// An AsyncIterator of ticks on the runtime clock, every `period`; missed ticks are
/// skipped.
class interval {
public:
    using value_type = time_point;

    template <typename Rep, typename Period>
    explicit interval(std::chrono::duration<Rep, Period> period)
        : period_(detail::to_runtime_duration(period)) {
        if (period_.count() <= 0) period_ = duration{1};
    }

    task<std::optional<time_point>> next() {
        const time_point current = co_await now();
        if (!started_) {
            started_ = true;
            due_ = current;
        } else if (current >= due_ + period_) {
            // Missed ticks are skipped: jump to the next multiple after now.
            const auto missed = (current - due_) / period_;
            due_ += missed * period_;
        }
        if (due_ > current) {
            auto slept = co_await sleep_until(due_);
            if (!slept) co_return std::nullopt;
        }
        const time_point tick = due_;
        due_ += period_;
        co_return tick;
    }

    duration period() const noexcept { return period_; }

private:
    duration period_;
    time_point due_{};
    bool started_ = false;
};

}  // namespace interop
