// A lock in one byte, for sections of a few instructions that are almost never
// contended (linking a task record, starting an accept against a concurrent close):
// smaller and cheaper than std::mutex, and it never allocates.
#pragma once

#include <atomic>
#include <thread>

namespace interop::detail {

class spin_lock {
public:
    spin_lock() noexcept = default;
    spin_lock(const spin_lock&) = delete;
    spin_lock& operator=(const spin_lock&) = delete;

    // The uncontended case inline (forced: the compiler leaves it out of line where a
    // function takes several locks); the wait out of line.
    [[gnu::always_inline]] void lock() noexcept {
        if (!locked_.exchange(true, std::memory_order_acquire)) [[likely]]
            return;
        contended();
    }
    [[gnu::always_inline]] void unlock() noexcept {
        locked_.store(false, std::memory_order_release);
    }

private:
    [[gnu::noinline]] void contended() noexcept {
        do {
            // Wait reading, not writing, so the holder's line is not pulled away.
            while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
        } while (locked_.exchange(true, std::memory_order_acquire));
    }

    std::atomic<bool> locked_{false};
};

}  // namespace interop::detail
