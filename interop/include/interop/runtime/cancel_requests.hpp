/// \file
/// cancel() from threads other than the loop's.
///
/// The loop's thread owns what an operation waits on, so another thread cannot take
/// it out itself: it leaves a request and wakes the loop. The request is the
/// operation's key in the pending_registry, not its address: by the time the loop
/// looks, the operation may have completed and a new one may live at the same address,
/// and the key of the old wait finds nothing. On the loop's own thread cancel()
/// needs none of this: it takes a parked operation out at once.
///
///     void loop::cancel(operation* op) noexcept {
///         const auto take_out = [this](operation* parked) { cancel_parked(parked); };
///         if (cancels_.cancel(op, in_runtime_thread(), pending_, take_out)) wakeup_.notify();
///     }
///     // each lap, after the wake-up was consumed:
///     cancels_.take(pending_, [this](operation* op) { cancel_parked(op); });
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "interop/runtime/interface.hpp"

namespace interop::kit {

template <typename Registry>
class cancel_requests {
public:
    /// Any thread but the loop's, inside cancel(op): the core keeps `op` alive for the
    /// call, and its key was stored when it was parked, inside its start call. Wake
    /// the loop afterwards.
    void push(const operation* op) {
        const typename Registry::key key = Registry::key_of(op);
        std::lock_guard lock(mutex_);
        requests_.push_back(key);
        requested_.store(true, std::memory_order_release);
    }

    /// The whole of cancel(op), from any thread. On the loop's thread: cancel_parked(op)
    /// if `op` is parked in `registry`, and nothing if it is not (it has completed, or
    /// has not waited). On another thread: push(op), and true, which asks the caller to
    /// wake the loop (after this returns, without the lock).
    template <typename CancelParked>
    bool cancel(operation* op, bool on_loop_thread, const Registry& registry,
                CancelParked&& cancel_parked) {
        if (!on_loop_thread) {
            push(op);
            return true;
        }
        if (registry.is_parked(op)) cancel_parked(op);
        return false;
    }

    /// The loop's thread: cancel_parked(op) for each requested operation that is still
    /// parked in `registry`. Costs one atomic load when nothing was requested.
    template <typename CancelParked>
    void take(const Registry& registry, CancelParked&& cancel_parked) {
        if (!requested_.load(std::memory_order_acquire)) return;
        {
            std::lock_guard lock(mutex_);
            taken_.swap(requests_);
            requested_.store(false, std::memory_order_relaxed);
        }
        for (const typename Registry::key key : taken_)
            if (operation* op = registry.find(key)) cancel_parked(op);
        taken_.clear();  // kept to reuse its memory
    }

private:
    std::mutex mutex_;
    std::vector<typename Registry::key> requests_;  // guarded by mutex_
    /// Set with requests_, under the lock; read without it (see run_queue's inbox).
    std::atomic<bool> requested_{false};
    std::vector<typename Registry::key> taken_;  // the loop's thread only
};

}  // namespace interop::kit
