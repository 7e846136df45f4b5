/// \file
/// A reusable barrier for a fixed number of tasks: arrive_and_wait() completes for
/// all of them once the last one arrives, then the barrier resets for the next
/// phase. A waiter cancelled while waiting leaves the phase (it no longer counts as
/// arrived) and gets operation_canceled.
#pragma once

#include <cstddef>
#include <mutex>

#include "interop/detail/waiter_list.hpp"
#include "interop/io_result.hpp"

namespace interop {

/// A reusable barrier for a fixed number of tasks: arrive_and_wait() completes for
/// all of them once the last one arrives.
class barrier {
public:
    explicit barrier(std::size_t parties) noexcept : parties_(parties == 0 ? 1 : parties) {}
    barrier(const barrier&) = delete;
    barrier& operator=(const barrier&) = delete;

    class arrive_awaitable : public detail::parking_awaitable<arrive_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on =
            &interop::detail::wait_barrier;
        explicit arrive_awaitable(barrier* b) noexcept : b_(b) {}
        std::mutex& mutex() noexcept { return b_->mutex_; }
        const void* waited_object() const noexcept { return b_; }
        detail::waiter_list& list() noexcept { return b_->waiters_; }
        bool try_now() noexcept {
            if (b_->arrived_ + 1 < b_->parties_) return false;  // parks: on_park_locked counts it
            // The last arrival releases the phase.
            b_->arrived_ = 0;
            ++b_->phase_;
            while (!b_->waiters_.empty()) {
                released_.push_back(detail::settle(b_->waiters_, b_->waiters_.front(),
                                                   detail::wait_outcome::granted));
            }
            node.outcome = detail::wait_outcome::granted;
            leader_ = true;
            return true;
        }
        void on_park_locked() noexcept { ++b_->arrived_; }
        void on_cancel_locked() noexcept { --b_->arrived_; }  // the arrival no longer counts
        /// True for the task whose arrival completed the phase.
        io_result<bool> await_resume() noexcept {
            finish();
            while (detail::waiter_node* n = released_.pop_front()) n->resume_posted();
            if (node.outcome == detail::wait_outcome::granted) return leader_;
            return std::errc::operation_canceled;
        }

    private:
        barrier* b_;
        detail::waiter_list released_;
        bool leader_ = false;
    };

    [[nodiscard]] arrive_awaitable arrive_and_wait() noexcept { return arrive_awaitable{this}; }

private:
    std::mutex mutex_;
    std::size_t parties_;
    std::size_t arrived_ = 0;
    std::size_t phase_ = 0;
    detail::waiter_list waiters_;
};

}  // namespace interop
