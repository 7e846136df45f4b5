// Pending timers, earliest deadline first.
//
// A binary min-heap ordered by (deadline, start order): timers with equal deadlines
// fire in the order they were started. Each timer's heap index lives in its
// operation (see op_data.hpp), so cancelling one is O(log n) instead of a search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "interop/runtime_interface.hpp"

namespace interop::inline_detail {

class timer_heap {
public:
    bool empty() const noexcept { return heap_.empty(); }
    std::size_t size() const noexcept { return heap_.size(); }

    void push(timer_operation* op);
    // `op` must be in the heap.
    void remove(timer_operation* op) noexcept;

    // Precondition: !empty().
    runtime_clock::time_point earliest() const noexcept { return heap_.front().op->deadline; }

    // Removes and returns the earliest timer whose deadline is at or before `now`, or
    // nullptr when none is due.
    timer_operation* pop_due(runtime_clock::time_point now) noexcept;

private:
    struct entry {
        runtime_clock::time_point deadline;
        std::uint64_t sequence;  // start order, to break ties between equal deadlines
        timer_operation* op;
    };

    static bool before(const entry& a, const entry& b) noexcept {
        return a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence;
    }

    void place(std::size_t index, const entry& e) noexcept;  // stores e at index and tells its op
    void sift_up(std::size_t index) noexcept;
    void sift_down(std::size_t index) noexcept;

    std::vector<entry> heap_;
    std::uint64_t next_sequence_ = 0;
};

}  // namespace interop::inline_detail
