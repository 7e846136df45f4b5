/// \file
/// throttle: at most one item per period.
///
///     source | iter::throttle(100ms)
///
/// The first item is passed on as soon as the source has it. Each later item is
/// pulled from the source no earlier than one period after the previous item was
/// passed on, so consecutive items are at least `period` apart on the runtime's
/// clock (and the source is never asked for items faster than that). Nothing is
/// dropped: a fast source is slowed down, not sampled.
///
/// Cancelling the consuming task while it waits for the period ends the iteration.
#pragma once

#include <chrono>
#include <optional>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/pipe.hpp"
#include "interop/time.hpp"

namespace interop::iter {

namespace detail {
template <AsyncIterator I>
generator<iter_value_t<I>> throttle_impl(I source, duration period) {
    std::optional<time_point> last;
    for (;;) {
        if (last) {
            auto pausing = sleep_until(interop::detail::saturating_add(*last, period));
            io_result<void> slept = co_await std::move(pausing);
            if (!slept) co_return;  // cancelled
        }
        auto pending = source.next();
        std::optional<iter_value_t<I>> item = co_await std::move(pending);
        if (!item) co_return;
        last = co_await interop::now();
        co_yield std::move(*item);
    }
}
}  // namespace detail

/// At most one item per `period`.
template <AsyncIterator I, typename Rep, typename Ratio>
generator<iter_value_t<I>> throttle(I source, std::chrono::duration<Rep, Ratio> period) {
    return detail::throttle_impl(std::move(source), interop::detail::to_runtime_duration(period));
}

/// throttle() without its source, for `source | iter::throttle(...)`.
template <typename Rep, typename Ratio>
auto throttle(std::chrono::duration<Rep, Ratio> period) {
    const duration d = interop::detail::to_runtime_duration(period);
    return adaptor{
        [d]<AsyncIterator I>(I source) { return detail::throttle_impl(std::move(source), d); }};
}

}  // namespace interop::iter
