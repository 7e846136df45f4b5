/// \file
/// latch: wait() completes once count_down() has been called `count` times in all.
/// wait_group: the Go-style form, add() work items and done() each; wait() until none
/// are left. Both are safe across threads and runtimes.
#pragma once

#include <cstddef>
#include <mutex>

#include "interop/sync/event.hpp"

namespace interop {

/// wait() completes once count_down() has been called `count` times in all.
class latch {
public:
    explicit latch(std::size_t count) noexcept : remaining_(count), reached_(count == 0) {}

    void count_down(std::size_t n = 1) noexcept {
        bool now_zero = false;
        {
            std::lock_guard lock(mutex_);
            if (remaining_ == 0) return;
            remaining_ = n >= remaining_ ? 0 : remaining_ - n;
            now_zero = remaining_ == 0;
        }
        if (now_zero) reached_.set();
    }
    [[nodiscard]] event::wait_awaitable wait() noexcept { return reached_.wait(); }
    bool try_wait() const noexcept { return reached_.is_set(); }

private:
    std::mutex mutex_;
    std::size_t remaining_;
    event reached_;
};

/// The Go-style latch: add() work items and done() each; wait() until none are left.
class wait_group {
public:
    wait_group() noexcept : idle_(true) {}

    void add(std::size_t n = 1) noexcept {
        std::lock_guard lock(mutex_);
        if (n == 0) return;
        if (pending_ == 0) idle_.reset();
        pending_ += n;
    }
    /// One work item is done; wait() completes once none is left.
    // set() and reset() happen under mutex_ so a done() racing an add() cannot
    // leave the group marked idle with work pending (event wakes by posting, so
    // calling it under the lock cannot re-enter).
    void done() noexcept {
        std::lock_guard lock(mutex_);
        if (pending_ == 0) return;  // more done() than add(): ignored
        if (--pending_ == 0) idle_.set();
    }
    [[nodiscard]] event::wait_awaitable wait() noexcept { return idle_.wait(); }

private:
    std::mutex mutex_;
    std::size_t pending_ = 0;
    event idle_;
};

}  // namespace interop
