/// \file
/// The run queue of a loop that one thread runs: the completions waiting for the next
/// batch, the posts other threads leave, and the stop flag.
///
/// The loop's thread owns the queue and pushes without a lock; other threads leave
/// completions in an inbox under a mutex, and the loop takes them (take_inbox) after it
/// has consumed its wake-up. The loop runs the queue in batches: each batch is what was
/// queued when it began, so every ready task runs once before any runs twice, and a
/// task that keeps yielding cannot starve the others. stop() is final: posts are
/// refused from then on, and a batch in progress leaves the rest of its completions
/// queued, never run.
///
///     kit::run_queue queue;
///     bool loop::post(operation* op) noexcept {
///         const kit::posted how = queue.post(op, in_runtime_thread());
///         if (how == kit::posted::from_other_thread) wakeup.notify();
///         return how != kit::posted::refused;
///     }
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <system_error>
#include <vector>

#include "interop/runtime/interface.hpp"

namespace interop::kit {

/// An operation's completion, waiting for its turn.
struct completion {
    operation* op;
    std::error_code error;
    std::size_t bytes;
};

enum class posted {
    refused,            // after stop(): nothing was queued
    on_loop_thread,     // queued by the loop's own thread: no wake-up needed
    from_other_thread,  // left in the inbox: wake the loop
};

class run_queue {
public:
    // --- the loop's thread, or while no thread runs the loop ---

    /// Queues a completion for the next batch. True if the queue was empty: a loop
    /// that must be told to poll without blocking is told then.
    bool push(operation* op, std::error_code error = {}, std::size_t bytes = 0) {
        const bool was_empty = ready_.empty();
        ready_.push_back({op, error, bytes});
        return was_empty;
    }
    bool empty() const noexcept { return ready_.empty(); }

    /// Completes the batch: what was queued when it began, in order. Returns how many
    /// completions ran.
    std::size_t run_batch() {
        if (ready_.empty()) return 0;
        batch_.swap(ready_);
        std::size_t i = 0;
        for (; i < batch_.size(); ++i) {
            if (stopped()) break;  // a stopped loop runs nothing more
            batch_[i].op->complete(batch_[i].error, batch_[i].bytes);
        }
        if (i < batch_.size())
            ready_.insert(ready_.begin(), batch_.begin() + static_cast<std::ptrdiff_t>(i),
                          batch_.end());
        batch_.clear();  // kept to reuse its memory
        return i;
    }

    /// How many completions may run between two looks for I/O and timers.
    static constexpr std::size_t completions_per_poll = 61;

    /// Runs whole batches until the queue is empty or completions_per_poll have run
    /// (the batch that crosses the mark runs to its end); then the loop looks for I/O
    /// and timers, without waiting if work is left. Asking the kernel after every batch
    /// would make each yield_now, and each wake-up of one task by another, cost a system
    /// call; asking after a bounded amount of work keeps I/O and timers from waiting
    /// behind tasks that keep each other busy. The batches keep their rule: every ready
    /// task runs once before any runs twice.
    void run_until_poll() {
        std::size_t ran = 0;
        while (ran < completions_per_poll && !ready_.empty() && !stopped()) ran += run_batch();
    }

    /// Moves what other threads left into the queue. True if there was anything. Costs
    /// one atomic load when there was not.
    bool take_inbox() {
        if (!inbox_filled_.load(std::memory_order_acquire)) return false;
        std::lock_guard lock(mutex_);
        ready_.insert(ready_.end(), inbox_.begin(), inbox_.end());
        inbox_.clear();
        inbox_filled_.store(false, std::memory_order_relaxed);
        return true;
    }

    /// Drops every completion, run or not: for a loop being destroyed.
    void clear() noexcept {
        ready_.clear();
        std::lock_guard lock(mutex_);
        inbox_.clear();
    }

    // --- any thread ---

    /// post() of the contract. `on_loop_thread`: the caller is the thread running the
    /// loop, which owns the queue. Another thread's post is checked against stop()
    /// under the lock stop() takes, so it either happens before stop() or is refused.
    posted post(operation* op, bool on_loop_thread) {
        if (on_loop_thread) {
            if (stopped()) return posted::refused;
            push(op);
            return posted::on_loop_thread;
        }
        std::lock_guard lock(mutex_);
        if (stopped()) return posted::refused;
        add_to_inbox({op, {}, 0});
        return posted::from_other_thread;
    }

    /// A completion from a thread other than the loop's (or a primitive called while
    /// no thread runs the loop); wake the loop afterwards. Accepted after stop() too:
    /// the operation was started before, and only its completion is left.
    ///
    /// Only for an operation that is not parked in a pending_registry. The registry
    /// belongs to the loop's thread, and nothing here unparks: an operation queued
    /// while parked stays parked after it completes, where a late cancel can reach it.
    /// So a worker thread that finishes a parked operation's job (spawn_blocking) does
    /// not call this: it hands the result to the loop's thread (under a lock of the
    /// adapter's) and wakes the loop, which unparks the operation and then queues its
    /// completion with push().
    void push_from_other_thread(operation* op, std::error_code error, std::size_t bytes) {
        std::lock_guard lock(mutex_);
        add_to_inbox({op, error, bytes});
    }

    /// Final. Wake the loop afterwards, so that it sees the flag.
    void stop() noexcept {
        std::lock_guard lock(mutex_);
        stopped_.store(true, std::memory_order_release);
    }
    bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }

    /// After stop() a primitive starts nothing: it completes its operation at once with
    /// operation_canceled (the core is winding down and waits for no more events).
    bool refuse_if_stopped(operation* op) noexcept {
        if (!stopped()) return false;
        op->complete(std::make_error_code(std::errc::operation_canceled), 0);
        return true;
    }

private:
    void add_to_inbox(const completion& c) {
        inbox_.push_back(c);
        inbox_filled_.store(true, std::memory_order_release);
    }

    /// The loop's thread only.
    std::vector<completion> ready_;  // for the next batch
    std::vector<completion> batch_;  // the batch being run

    /// Shared with other threads.
    std::mutex mutex_;
    std::vector<completion> inbox_;  // guarded by mutex_
    /// Set with the inbox, under the lock; read without it, so that a lap with nothing
    /// from other threads takes no lock. The wake-up that follows every post (a system
    /// call, or libuv's async handle) orders the flag before the loop looks at it.
    std::atomic<bool> inbox_filled_{false};
    std::atomic<bool> stopped_{false};
};

}  // namespace interop::kit
