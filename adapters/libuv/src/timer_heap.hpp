// Pending timers, earliest deadline first.
//
// A binary min-heap ordered by deadline and then by start order, so timers with the
// same deadline fire in the order they were started. Each timer's position is kept in
// its operation (adapter_data[0]) so that cancelling one is O(log n), not a search.
// One uv_timer_t is armed for the top of this heap (see loop_time.cpp): libuv keeps
// one timer no matter how many sleeps are pending.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "interop/runtime_interface.hpp"

namespace interop::libuv_detail {

class timer_heap {
public:
    bool empty() const noexcept { return entries_.empty(); }

    void push(timer_operation* op);
    // `op` must be in the heap.
    void remove(timer_operation* op) noexcept;

    // Precondition: !empty().
    runtime_clock::time_point earliest() const noexcept { return entries_.front().deadline; }

    // Takes out the earliest timer if its deadline is at or before `now`; else nullptr.
    timer_operation* pop_due(runtime_clock::time_point now) noexcept;

private:
    struct entry {
        runtime_clock::time_point deadline;
        std::uint64_t order;
        timer_operation* op;
    };

    static bool earlier(const entry& a, const entry& b) noexcept {
        if (a.deadline != b.deadline) return a.deadline < b.deadline;
        return a.order < b.order;
    }

    void put(std::size_t index, const entry& e) noexcept;  // stores e and tells its op where
    std::size_t sift_up(std::size_t index) noexcept;
    void sift_down(std::size_t index) noexcept;

    std::vector<entry> entries_;
    std::uint64_t started_ = 0;
};

}  // namespace interop::libuv_detail
