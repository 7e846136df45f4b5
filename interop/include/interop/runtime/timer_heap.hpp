/// \file
/// Pending timers, earliest deadline first.
///
/// A binary min-heap ordered by deadline, then by start order: timers with the same
/// deadline fire in the order they were started, as the contract asks. Each timer's
/// position in the heap is kept in one of its adapter_data words (`IndexWord`), so
/// cancelling one is O(log n), not a search. An event loop with one timer of its own
/// (a uv_timer_t, a poll timeout) arms it for `earliest()`, in whole milliseconds
/// from `milliseconds_until`.
///
///     kit::timer_heap<kit::op_word<0, std::size_t>> timers;
///
///     void loop::timer_start(timer_operation* op) noexcept {
///         if (queue_.refuse_if_stopped(op)) return;
///         if (!kit::park_timer(timers_, pending_, op, now())) queue_.push(op);  // due
///     }
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#if defined(__linux__)
#include <time.h>
#endif

#include "interop/runtime/interface.hpp"
#include "interop/runtime/op_word.hpp"

namespace interop::kit {

/// Pending timers, earliest deadline first.
template <typename IndexWord>
class timer_heap {
public:
    bool empty() const noexcept { return entries_.empty(); }
    std::size_t size() const noexcept { return entries_.size(); }

    /// Allocates only when the heap grows past its largest size so far.
    void push(timer_operation* op) {
        entries_.push_back(entry{op->deadline, started_++, op});
        sift_up(entries_.size() - 1);
    }

    /// `op` must be in the heap.
    void remove(timer_operation* op) noexcept {
        const std::size_t index = IndexWord::get(op);
        const entry last = entries_.back();
        entries_.pop_back();
        if (index == entries_.size()) return;  // it was the last entry
        // The former last entry fills the hole; it may belong higher up or further down.
        put(index, last);
        sift_down(sift_up(index));
    }

    /// Precondition: !empty().
    runtime_clock::time_point earliest() const noexcept { return entries_.front().deadline; }

    /// Takes out the earliest timer if its deadline is at or before `now`; else nullptr.
    timer_operation* pop_due(runtime_clock::time_point now) noexcept {
        if (entries_.empty() || entries_.front().deadline > now) return nullptr;
        timer_operation* op = entries_.front().op;
        remove(op);
        return op;
    }

private:
    struct entry {
        runtime_clock::time_point deadline;
        std::uint64_t started;  // start order, between equal deadlines
        timer_operation* op;
    };

    static bool before(const entry& a, const entry& b) noexcept {
        return a.deadline != b.deadline ? a.deadline < b.deadline : a.started < b.started;
    }

    void put(std::size_t index, const entry& e) noexcept {
        entries_[index] = e;
        IndexWord::set(e.op, index);
    }

    // Returns where the entry came to rest.
    std::size_t sift_up(std::size_t index) noexcept {
        const entry moving = entries_[index];
        while (index > 0) {
            const std::size_t parent = (index - 1) / 2;
            if (!before(moving, entries_[parent])) break;
            put(index, entries_[parent]);
            index = parent;
        }
        put(index, moving);
        return index;
    }

    void sift_down(std::size_t index) noexcept {
        const entry moving = entries_[index];
        const std::size_t count = entries_.size();
        for (;;) {
            const std::size_t left = 2 * index + 1;
            if (left >= count) break;
            const std::size_t right = left + 1;
            const std::size_t child =
                right < count && before(entries_[right], entries_[left]) ? right : left;
            if (!before(entries_[child], moving)) break;
            put(index, entries_[child]);
            index = child;
        }
        put(index, moving);
    }

    std::vector<entry> entries_;
    std::uint64_t started_ = 0;
};

// timer_start of the contract, for a loop that keeps its timers in a timer_heap and
// its waits in a pending_registry. A deadline at or before `now` returns false: the
// caller queues the completion for the next lap, never inline, so that sleep_for(0)
// yields; comparing first keeps a deadline far in the past out of any arithmetic.
// Otherwise the timer is pushed and parked (cancel() can find it), and true returned.
// `now` may be an earlier reading of the loop's clock (the time a lap last saw, which
// costs no read): a deadline that passed since then is parked, and completes when the
// loop next looks at its timers, which it then does without waiting. The core has
// just read the clock to compute the deadline; a second read here is rarely worth it.
template <typename Heap, typename Registry>
bool park_timer(Heap& timers, Registry& pending, timer_operation* op,
                runtime_clock::time_point now) {
    if (op->deadline <= now) return false;
    timers.push(op);
    pending.park(op);
    return true;
}

// How long a loop may sleep for a timer due at `deadline`: 0 if it is due, else whole
// milliseconds, rounded up. Rounding down would wake the loop before the deadline and
// make it spin through the rest. A far deadline gives INT_MAX: the loop sleeps that
// long and the next lap computes the rest.
inline int milliseconds_until(runtime_clock::time_point deadline,
                              runtime_clock::time_point now) noexcept {
    if (deadline <= now) return 0;
    // deadline > now, and a runtime clock's now is positive: no overflow, even for
    // time_point::max().
    constexpr runtime_clock::rep ns_per_ms = 1'000'000;
    const runtime_clock::rep ns = (deadline - now).count();
    const runtime_clock::rep ms = ns / ns_per_ms + (ns % ns_per_ms != 0 ? 1 : 0);
    return static_cast<int>(std::min<runtime_clock::rep>(ms, std::numeric_limits<int>::max()));
}

/// now() for a runtime without a clock of its own: std::chrono::steady_clock, in the
/// runtime clock's nanoseconds. Monotonic, so a deadline never moves back.
inline runtime_clock::time_point steady_now() noexcept {
#if defined(__linux__)
    // The clock steady_clock reads on Linux, without the library call around it (a
    // deadline reads the clock once per operation). CLOCK_MONOTONIC always exists, so
    // the call fills `ts` in; it is not zeroed first.
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return runtime_clock::time_point(
        runtime_clock::duration(static_cast<runtime_clock::rep>(ts.tv_sec) * 1'000'000'000 +
                                static_cast<runtime_clock::rep>(ts.tv_nsec)));
#else
    const auto since_epoch = std::chrono::steady_clock::now().time_since_epoch();
    return runtime_clock::time_point(
        std::chrono::duration_cast<runtime_clock::duration>(since_epoch));
#endif
}

}  // namespace interop::kit
