// Counting "allocates nothing" (allocation.cpp explains the bounds): a round is run
// until caches and queues reach their working size, then counted.
#pragma once

#include <cstdint>
#include <string_view>

#include "interop/conformance/heap.hpp"
#include "interop/conformance/suite.hpp"

namespace interop::conformance::testing {

constexpr int warm_up_rounds = 5000;
constexpr int counted_rounds = 2000;

// What the counted rounds may allocate on this backend; see the top of allocation.cpp.
// The chaos backend holds completions back for a random number of turns, so how much
// is in flight at once has a long tail: now and then a runtime's queue reaches a size
// it never had before and grows, once. A handful is allowed there; an allocation per
// round would be thousands.
inline std::uint64_t allowed_allocations(int counted = counted_rounds) {
    const bool multi_threaded = (current_backend().capabilities & cap_multi_threaded) != 0;
    if (multi_threaded) return static_cast<std::uint64_t>(counted / 20);
    if (std::string_view(current_backend().name) == "chaos") return 5;
    return 0;
}

// Runs `round()` `warm_up` times, then `counted` times under the counter, and returns
// the allocations of the counted rounds.
template <typename Round>
task<std::uint64_t> allocations_of(Round round, int warm_up = warm_up_rounds,
                                   int counted = counted_rounds) {
    for (int i = 0; i < warm_up; ++i) co_await round();
    heap_count heap;
    for (int i = 0; i < counted; ++i) co_await round();
    co_return heap.allocations();
}

}  // namespace interop::conformance::testing
