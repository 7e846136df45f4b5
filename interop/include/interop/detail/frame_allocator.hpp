// Recycles coroutine frames through per-thread caches, so a steady-state loop of
// task awaits (a request/response loop, say) allocates nothing per iteration.
//
// Frames are grouped in size classes of 64 bytes up to 4 KiB; larger frames go
// straight to operator new. Every frame returns to the cache of the thread that
// allocated it, also when another thread frees it, so a runtime run by several
// threads reaches a steady state that allocates nothing too (frame_allocator.cpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace interop {

struct frame_statistics {
    std::uint64_t live_frames;       // frames currently allocated, all threads
    std::uint64_t heap_allocations;  // calls that reached ::operator new, all threads
};

// A snapshot of the counters; cheap enough to call around a test.
frame_statistics frame_stats() noexcept;

namespace detail {

void* allocate_frame(std::size_t size);
// `size` must be the one the frame was allocated with (as a coroutine's sized operator
// delete is given): a frame beyond the size classes has no header to say where it goes.
void deallocate_frame(void* frame, std::size_t size) noexcept;

}  // namespace detail
}  // namespace interop
