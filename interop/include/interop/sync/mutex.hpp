/// \file
/// An async mutex: waiting for the lock suspends the task instead of blocking the
/// thread. Safe across threads and runtimes.
///
///     auto guard = co_await m.lock();   // io_result<async_mutex::guard>
///     if (!guard) co_return;            // cancelled while waiting: the lock is not held
///
/// Fairness: strictly first come, first served. Unlocking hands the lock directly to
/// the longest waiter, so a task that unlocks and locks again cannot barge ahead.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>

#include "interop/detail/waiter_list.hpp"
#include "interop/io_result.hpp"

namespace interop {

/// An async mutex: waiting for the lock suspends the task instead of blocking the
/// thread. Safe across threads and runtimes; first come, first served.
class async_mutex {
public:
    async_mutex() noexcept = default;
    async_mutex(const async_mutex&) = delete;
    async_mutex& operator=(const async_mutex&) = delete;

    class [[nodiscard]] guard {
    public:
        guard() noexcept = default;
        guard(guard&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
        guard& operator=(guard other) noexcept {
            std::swap(owner_, other.owner_);
            return *this;
        }
        ~guard() { unlock(); }
        void unlock() noexcept {
            if (owner_ != nullptr) std::exchange(owner_, nullptr)->unlock();
        }
        bool owns_lock() const noexcept { return owner_ != nullptr; }

    private:
        friend class async_mutex;
        explicit guard(async_mutex* owner) noexcept : owner_(owner) {}
        async_mutex* owner_ = nullptr;
    };

    class lock_awaitable : public detail::parking_awaitable<lock_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on = &interop::detail::wait_mutex;
        explicit lock_awaitable(async_mutex* m) noexcept : m_(m) {}
        std::mutex& mutex() noexcept { return m_->state_mutex_; }
        detail::waiter_list& list() noexcept { return m_->waiters_; }
        bool try_now() noexcept {
            if (m_->locked_) return false;
            m_->locked_ = true;
            m_->owner_ = node.task != nullptr ? node.task->id : 0;
            node.outcome = detail::wait_outcome::granted;
            return true;
        }
        std::int64_t wait_value_locked() const noexcept {
            return static_cast<std::int64_t>(m_->owner_);
        }
        const void* waited_object() const noexcept { return m_; }  // what a dump names
        io_result<guard> await_resume() noexcept {
            finish();
            if (node.outcome != detail::wait_outcome::granted) return std::errc::operation_canceled;
            return guard{m_};
        }

    private:
        async_mutex* m_;
    };

    [[nodiscard]] lock_awaitable lock() noexcept { return lock_awaitable{this}; }

    std::optional<guard> try_lock() noexcept {
        std::lock_guard lock(state_mutex_);
        if (locked_) return std::nullopt;
        locked_ = true;
        owner_ = 0;  // not known: try_lock is not awaited
        return guard{this};
    }

private:
    void unlock() noexcept {
        detail::waiter_node* next = nullptr;
        {
            std::lock_guard lock(state_mutex_);
            if (waiters_.empty()) {
                locked_ = false;
                owner_ = 0;
            } else {
                // Ownership passes straight to the next waiter; locked_ stays true.
                next = detail::settle(waiters_, waiters_.front(), detail::wait_outcome::granted);
                owner_ = next->task != nullptr ? next->task->id : 0;
                note_owner_locked();
            }
        }
        if (next != nullptr) next->resume_posted();
    }

    // The tasks still waiting now wait for the new holder, as task dumps say. They are
    // parked, and their outcome is decided only under state_mutex_: nobody else writes
    // their state meanwhile.
    void note_owner_locked() noexcept {
        for (detail::waiter_node* n = waiters_.front(); n != nullptr; n = n->next) {
            if (n->task != nullptr) n->task->wait.set_value(static_cast<std::int64_t>(owner_));
        }
    }

    std::mutex state_mutex_;
    bool locked_ = false;
    std::uint64_t owner_ = 0;  // the holder's task id, for task dumps; 0: not known
    detail::waiter_list waiters_;
};

}  // namespace interop
