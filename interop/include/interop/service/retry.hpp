/// \file
/// retry_layer: a failed call tried again after a back-off, within a retry budget.
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "interop/io_result.hpp"
#include "interop/service/service.hpp"
#include "interop/task.hpp"
#include "interop/time.hpp"

namespace interop {

/// The errors retry_layer tries again by default: those that say "not now" rather
/// than "not this": timed_out, connection_refused, connection_reset,
/// connection_aborted, network_unreachable, host_unreachable and
/// resource_unavailable_try_again (what load_shed_layer answers). Never
/// operation_canceled: a cancelled call stays cancelled.
inline bool transient_error(std::error_code ec) noexcept {
    using std::errc;
    for (errc e : {errc::timed_out, errc::connection_refused, errc::connection_reset,
                   errc::connection_aborted, errc::network_unreachable, errc::host_unreachable,
                   errc::resource_unavailable_try_again}) {
        if (ec == e) return true;
    }
    return false;
}

/// How retry_layer retries.
struct retry_policy {
    /// Attempts in all, the first one included; at least 1.
    std::size_t max_attempts = 3;
    /// The wait before the second attempt; it doubles before each further one, up to
    /// max_backoff.
    duration first_backoff = std::chrono::milliseconds(10);
    duration max_backoff = std::chrono::seconds(1);
    /// 0 to 1: each wait is scaled by a random factor in [1 - jitter, 1], so that
    /// clients that failed together do not retry together. 0: exact waits.
    double jitter = 0.0;
    /// The budget: retries in a burst (the budget starts full with this many) ...
    std::size_t budget_burst = 10;
    /// ... and, in the long run, retries per call: each call puts this much back into
    /// the budget (up to budget_burst), each retry takes one. Under a lasting outage a
    /// service retries at most this share of its calls, not every call max_attempts
    /// times.
    double budget_ratio = 0.2;
    /// Which errors are tried again.
    bool (*retry_on)(std::error_code) = &transient_error;
};

namespace detail {

// The budget and the jitter of a retry layer, shared by its copies.
class retry_state {
public:
    explicit retry_state(const retry_policy& policy)
        : cap_(static_cast<std::int64_t>(policy.budget_burst) * unit),
          deposit_(static_cast<std::int64_t>(policy.budget_ratio * unit)),
          balance_(cap_),
          jitter_(policy.jitter) {
        if (jitter_ > 0.0) random_.seed(std::random_device{}());
    }

    void deposit() {
        const std::lock_guard lock(mutex_);
        balance_ = std::min(cap_, balance_ + deposit_);
    }
    bool withdraw() {
        const std::lock_guard lock(mutex_);
        if (balance_ < unit) return false;
        balance_ -= unit;
        return true;
    }
    duration jittered(duration d) {
        if (jitter_ <= 0.0) return d;
        const std::lock_guard lock(mutex_);
        std::uniform_real_distribution<double> factor(1.0 - jitter_, 1.0);
        return std::chrono::duration_cast<duration>(d * factor(random_));
    }

private:
    // The balance counts thousandths of a retry, so that a ratio of 0.2 adds up exactly.
    static constexpr std::int64_t unit = 1000;
    std::mutex mutex_;
    std::int64_t cap_;
    std::int64_t deposit_;
    std::int64_t balance_;
    double jitter_;
    std::minstd_rand random_;
};

inline std::shared_ptr<retry_state> make_retry_state(const retry_policy& p) {
    if (p.max_attempts == 0 || p.first_backoff < duration::zero() ||
        p.max_backoff < p.first_backoff || !(p.jitter >= 0.0 && p.jitter <= 1.0) ||
        !(p.budget_ratio >= 0.0) || p.retry_on == nullptr) {
        throw std::invalid_argument(
            "interop::retry_layer: the policy needs max_attempts >= 1, 0 <= first_backoff <= "
            "max_backoff, jitter in [0, 1], budget_ratio >= 0 and a retry_on function");
    }
    return std::make_shared<retry_state>(p);
}

}  // namespace detail

/// A call that fails with an error the policy names (transient_error by default) is
/// tried again, after a back-off on the runtime's clock and once the inner service is
/// ready again, up to max_attempts in all, while the retry budget allows; the last
/// answer is the call's. The request is copied for each attempt but the last, so it
/// must be copyable, and the call must be safe to repeat (idempotent): retrying is
/// the caller's decision to make. Cancelled while it waits to retry, a call answers
/// operation_canceled. Copies share the budget.
template <typename S>
class retry_service {
public:
    using response = typename S::response;
    retry_service(S inner, const retry_policy& policy)
        : inner_(std::move(inner)), policy_(policy), state_(detail::make_retry_state(policy)) {}

    auto ready() { return inner_.ready(); }
    bool ready_now() { return detail::service_ready_now(inner_); }

    template <std::copy_constructible Request>
    task<io_result<response>> call(Request request) {
        state_->deposit();
        duration backoff = policy_.first_backoff;
        // Every attempt but the last gets a copy of the request; the last gets it.
        for (std::size_t attempt = 1; attempt < policy_.max_attempts; ++attempt) {
            auto inner_call = inner_.call(Request(request));
            io_result<response> answer = co_await std::move(inner_call);
            if (answer || !policy_.retry_on(answer.error()) || !state_->withdraw()) {
                co_return answer;
            }
            auto waited = co_await sleep_for(state_->jittered(backoff));
            if (!waited) co_return waited.error();
            // Doubled without overflowing: max_backoff may be duration::max().
            backoff = backoff > policy_.max_backoff / 2 ? policy_.max_backoff : backoff * 2;
            auto inner_ready = inner_.ready();
            const io_result<void> ready = co_await std::move(inner_ready);
            if (!ready) co_return ready.error();
        }
        auto last_call = inner_.call(std::move(request));
        co_return co_await std::move(last_call);
    }

private:
    S inner_;
    retry_policy policy_;
    std::shared_ptr<detail::retry_state> state_;
};

/// The layer of retry_service: `retry_layer({.max_attempts = 4})`.
struct retry_layer {
    explicit retry_layer(const retry_policy& p = {}) : policy(p) {}
    template <typename S>
    retry_service<S> operator()(S inner) const {
        return retry_service<S>(std::move(inner), policy);
    }
    retry_policy policy;
};

}  // namespace interop
