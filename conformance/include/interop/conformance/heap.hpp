// A global count of heap allocations, for behaviours that promise to allocate nothing.
//
// The suite's executables replace the global operator new (every form), which counts
// each call, from every thread, and then allocates as usual. Coroutine frames that the
// frame cache recycles never reach it; a frame it cannot recycle, a std::function, a
// std::stop_source's shared state or a vector that grows all do.
//
//     conformance::heap_count before;
//     ... steady-state work ...
//     CHECK(before.allocations() == 0);
#pragma once

#include <cstdint>

namespace interop::conformance {

// operator new calls since the program started, all threads.
std::uint64_t heap_allocations() noexcept;

// While one lives, operator new on the constructing thread fails: the throwing forms
// throw std::bad_alloc, the nothrow forms return null. For behaviours of running out of
// memory. Not where a sanitizer owns operator new (ThreadSanitizer): there
// available() is false and nothing fails.
class heap_failure {
public:
    heap_failure() noexcept;
    ~heap_failure();
    heap_failure(const heap_failure&) = delete;
    heap_failure& operator=(const heap_failure&) = delete;
    static bool available() noexcept;
};

// While one lives, the next operator new of exactly `size` bytes on the constructing
// thread fails, as under a heap_failure, and every other one succeeds: for the one
// allocation an operation makes, when what surrounds it (an adapter's bookkeeping, a
// cancel after the failure) may allocate as usual.
class next_allocation_fails {
public:
    explicit next_allocation_fails(std::size_t size) noexcept;
    ~next_allocation_fails();
    next_allocation_fails(const next_allocation_fails&) = delete;
    next_allocation_fails& operator=(const next_allocation_fails&) = delete;
};

// Counts the allocations made since construction.
class heap_count {
public:
    heap_count() noexcept : start_(heap_allocations()) {}
    std::uint64_t allocations() const noexcept { return heap_allocations() - start_; }

private:
    std::uint64_t start_;
};

}  // namespace interop::conformance
