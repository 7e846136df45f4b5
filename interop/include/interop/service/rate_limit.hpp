/// \file
/// rate_limit_layer: at most n calls of a service per period, on the runtime's clock.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "interop/context.hpp"
#include "interop/io_result.hpp"
#include "interop/service/service.hpp"
#include "interop/task.hpp"
#include "interop/this_task.hpp"
#include "interop/time.hpp"

namespace interop {

namespace detail {

// The schedule of a rate limit: a token bucket of `n` tokens that refills one token
// every period / n, kept as a single time point (the "theoretical arrival time" of
// the generic cell rate algorithm): the time at which the bucket would be full again
// if nothing more were taken. A call may go at once while that time is no more than
// `tolerance` = period - interval ahead of now, so up to n calls go together after a
// quiet spell and then one per interval.
class rate_schedule {
public:
    rate_schedule(std::size_t n, duration period)
        : interval_(period / static_cast<duration::rep>(n)), tolerance_(period - interval_) {}

    // Takes the next slot and returns when its call may go: now, or later.
    time_point reserve(time_point now) {
        const std::lock_guard lock(mutex_);
        const time_point go = std::max(now, full_at_ - tolerance_);
        full_at_ = std::max(full_at_, now) + interval_;
        return go;
    }

    // When a call would go without waiting, taking nothing.
    time_point next_free(time_point now) {
        const std::lock_guard lock(mutex_);
        return std::max(now, full_at_ - tolerance_);
    }

    // The runtime whose clock the schedule follows: the first that calls; until then
    // the bucket is full.
    void remember(runtime_ref rt) {
        const std::lock_guard lock(mutex_);
        if (!rt_) rt_ = rt;
    }
    bool free_now() {
        runtime_ref rt;
        {
            const std::lock_guard lock(mutex_);
            rt = rt_;
        }
        if (!rt) return true;
        const time_point t = interop::now(rt);
        return next_free(t) <= t;
    }

private:
    std::mutex mutex_;
    duration interval_;
    duration tolerance_;
    time_point full_at_{};
    runtime_ref rt_{};
};

inline std::shared_ptr<rate_schedule> make_rate_schedule(std::size_t n, duration period) {
    if (n == 0 || period <= duration::zero() || period < duration(static_cast<duration::rep>(n))) {
        throw std::invalid_argument(
            "interop::rate_limit_layer: the rate needs n > 0 calls in a period of at least n "
            "clock ticks");
    }
    return std::make_shared<rate_schedule>(n, period);
}

}  // namespace detail

/// At most `n` calls per `period` on the runtime's clock, spread evenly: after a quiet
/// spell up to n calls go at once, then one every period / n (a token bucket of n
/// tokens). A call over the rate waits for its turn, first come first served; a call
/// cancelled while it waits has still used its turn. Copies share the rate. ready()
/// waits until a call would go at once, then for the inner service; ready_now() says
/// whether it would. The first call fixes the runtime whose clock is followed.
template <typename S>
class rate_limit_service {
public:
    using response = typename S::response;
    rate_limit_service(S inner, std::size_t n, duration period)
        : inner_(std::move(inner)), schedule_(detail::make_rate_schedule(n, period)) {}

    task<io_result<void>> ready() {
        const time_point t = co_await now();
        const time_point go = turn(co_await current_context(), t, false);
        if (go > t) {
            auto waited = co_await sleep_until(go);
            if (!waited) co_return waited.error();
        }
        auto inner_ready = inner_.ready();
        co_return co_await std::move(inner_ready);
    }

    bool ready_now() { return schedule_->free_now() && detail::service_ready_now(inner_); }

    template <typename Request>
    task<io_result<response>> call(Request request) {
        const time_point t = co_await now();
        const time_point go = turn(co_await current_context(), t, true);
        if (go > t) {
            auto waited = co_await sleep_until(go);
            if (!waited) co_return waited.error();
        }
        auto inner_call = inner_.call(std::move(request));
        co_return co_await std::move(inner_call);
    }

private:
    // When a call that starts at `t` may go: the next free turn, taken when `take`.
    time_point turn(const task_context* ctx, time_point t, bool take) {
        if (ctx != nullptr) schedule_->remember(ctx->runtime);
        return take ? schedule_->reserve(t) : schedule_->next_free(t);
    }

    S inner_;
    std::shared_ptr<detail::rate_schedule> schedule_;
};

/// The layer of rate_limit_service: `rate_limit_layer(100, 1s)`.
struct rate_limit_layer {
    template <typename Rep, typename Period>
    rate_limit_layer(std::size_t n, std::chrono::duration<Rep, Period> period)
        : calls(n), per(detail::to_runtime_duration(period)) {}
    template <typename S>
    rate_limit_service<S> operator()(S inner) const {
        return rate_limit_service<S>(std::move(inner), calls, per);
    }
    std::size_t calls;
    duration per;
};

}  // namespace interop
