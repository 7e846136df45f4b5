/// \file
/// A manual-reset event: wait() suspends until set() is called; once set, waits
/// complete at once until reset(). set() wakes every waiter. Safe across threads and
/// runtimes; a cancelled wait completes with operation_canceled.
#pragma once

#include <atomic>
#include <mutex>

#include "interop/detail/waiter_list.hpp"
#include "interop/io_result.hpp"

namespace interop {

/// A manual-reset event: wait() suspends until set() is called; once set, waits
/// complete at once until reset().
class event {
public:
    explicit event(bool initially_set = false) noexcept : set_(initially_set) {}
    event(const event&) = delete;
    event& operator=(const event&) = delete;

    class wait_awaitable : public detail::parking_awaitable<wait_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on = &interop::detail::wait_event;
        explicit wait_awaitable(event* e) noexcept : e_(e) {}
        std::mutex& mutex() noexcept { return e_->mutex_; }
        const void* waited_object() const noexcept { return e_; }
        detail::waiter_list& list() noexcept { return e_->waiters_; }
        bool try_now() noexcept {
            if (!e_->set_.load(std::memory_order_relaxed)) return false;  // under mutex()
            node.outcome = detail::wait_outcome::granted;
            return true;
        }
        io_result<void> await_resume() noexcept {
            finish();
            if (node.outcome != detail::wait_outcome::granted) return std::errc::operation_canceled;
            return {};
        }

    private:
        event* e_;
    };

    [[nodiscard]] wait_awaitable wait() noexcept { return wait_awaitable{this}; }

    void set() noexcept {
        detail::waiter_list woken;
        {
            std::lock_guard lock(mutex_);
            set_.store(true, std::memory_order_release);
            while (!waiters_.empty()) {
                woken.push_back(
                    detail::settle(waiters_, waiters_.front(), detail::wait_outcome::granted));
            }
        }
        while (detail::waiter_node* n = woken.pop_front()) n->resume_posted();
    }
    void reset() noexcept {
        std::lock_guard lock(mutex_);
        set_.store(false, std::memory_order_release);
    }
    /// Whether the event is set now; a read without the lock, so cheap enough to ask
    /// on every request of a server.
    bool is_set() const noexcept { return set_.load(std::memory_order_acquire); }

private:
    // Written under mutex_ (a waiter tests it there before it parks); read without it
    // by is_set().
    std::mutex mutex_;
    std::atomic<bool> set_;
    detail::waiter_list waiters_;
};

}  // namespace interop
