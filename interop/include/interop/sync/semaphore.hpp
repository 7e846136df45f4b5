/// \file
/// A counting semaphore for tasks, safe across threads and runtimes.
///
///     interop::semaphore limit(4);
///     auto permit = co_await limit.acquire();   // io_result<semaphore::permit>
///     if (!permit) co_return;                   // cancelled while waiting
///     ...                                       // the permit returns when it goes out of scope
///
/// Fairness: waiters are served first come, first served, and a release never lets a
/// newcomer overtake a parked waiter. A cancelled waiter never holds a permit.
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>

#include "interop/detail/waiter_list.hpp"
#include "interop/io_result.hpp"

namespace interop {

/// A counting semaphore for tasks, safe across threads and runtimes.
class semaphore {
public:
    explicit semaphore(std::size_t initial) noexcept : available_(initial) {}
    semaphore(const semaphore&) = delete;
    semaphore& operator=(const semaphore&) = delete;

    /// Owns `count` permits and gives them back when destroyed.
    class [[nodiscard]] permit {
    public:
        permit() noexcept = default;
        permit(permit&& other) noexcept
            : owner_(std::exchange(other.owner_, nullptr)), count_(other.count_) {}
        permit& operator=(permit other) noexcept {
            std::swap(owner_, other.owner_);
            std::swap(count_, other.count_);
            return *this;
        }
        ~permit() {
            if (owner_ != nullptr) owner_->release(count_);
        }
        /// Keeps the permits taken: they are not returned on destruction.
        void forget() noexcept { owner_ = nullptr; }
        bool owns() const noexcept { return owner_ != nullptr; }

    private:
        friend class semaphore;
        permit(semaphore* owner, std::size_t count) noexcept : owner_(owner), count_(count) {}
        semaphore* owner_ = nullptr;
        std::size_t count_ = 0;
    };

    class acquire_awaitable : public detail::parking_awaitable<acquire_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on =
            &interop::detail::wait_semaphore;
        explicit acquire_awaitable(semaphore* s) noexcept : sem_(s) {}
        std::mutex& mutex() noexcept { return sem_->mutex_; }
        const void* waited_object() const noexcept { return sem_; }
        detail::waiter_list& list() noexcept { return sem_->waiters_; }
        bool try_now() noexcept {
            if (sem_->waiters_.empty() && sem_->available_ > 0) {
                --sem_->available_;
                node.outcome = detail::wait_outcome::granted;
                return true;
            }
            return false;
        }
        io_result<permit> await_resume() noexcept {
            finish();
            if (node.outcome != detail::wait_outcome::granted) return std::errc::operation_canceled;
            return permit{sem_, 1};
        }

    private:
        semaphore* sem_;
    };

    /// Waits for one permit. Completes with operation_canceled if the task is
    /// cancelled while waiting (then no permit is held).
    [[nodiscard]] acquire_awaitable acquire() noexcept { return acquire_awaitable{this}; }

    /// Takes a permit if one is free and nobody is waiting.
    std::optional<permit> try_acquire() noexcept {
        std::lock_guard lock(mutex_);
        if (!waiters_.empty() || available_ == 0) return std::nullopt;
        --available_;
        return permit{this, 1};
    }

    /// Adds `count` permits, handing them to parked waiters first.
    void release(std::size_t count = 1) noexcept {
        detail::waiter_list granted;
        {
            std::lock_guard lock(mutex_);
            available_ += count;
            while (available_ > 0 && !waiters_.empty()) {
                --available_;
                granted.push_back(
                    detail::settle(waiters_, waiters_.front(), detail::wait_outcome::granted));
            }
        }
        while (detail::waiter_node* n = granted.pop_front()) n->resume_posted();
    }

    std::size_t available() const noexcept {
        std::lock_guard lock(mutex_);
        return available_;
    }

private:
    mutable std::mutex mutex_;
    std::size_t available_;
    detail::waiter_list waiters_;
};

}  // namespace interop
