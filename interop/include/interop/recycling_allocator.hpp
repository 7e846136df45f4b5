// Memory for what an adapter allocates per operation (an Asio handler, a request):
// blocks recycled per thread, as task frames are; a block freed on another thread
// goes back to the thread that allocated it. A steady state that allocates and frees
// such blocks over and over never reaches the heap, whatever the event loop's own
// caches hold.
//
// Part of the adapter-facing side, like runtime_interface.hpp: it includes nothing else
// of interop.
//
//     asio::post(ctx, asio::bind_allocator(interop::recycling_allocator<void>{}, handler));
#pragma once

#include <cstddef>
#include <new>

namespace interop {

// A block of at least `size` bytes, aligned for any type up to
// __STDCPP_DEFAULT_NEW_ALIGNMENT__; throws std::bad_alloc.
void* recycled_allocate(std::size_t size);
// Gives back a block from recycled_allocate, with the size it was asked for.
void recycled_deallocate(void* block, std::size_t size) noexcept;

// A standard allocator over those blocks.
template <typename T>
struct recycling_allocator {
    using value_type = T;

    recycling_allocator() noexcept = default;
    template <typename U>
    recycling_allocator(const recycling_allocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "over-aligned type");
        return static_cast<T*>(recycled_allocate(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { recycled_deallocate(p, n * sizeof(T)); }

    template <typename U>
    friend bool operator==(const recycling_allocator&, const recycling_allocator<U>&) noexcept {
        return true;
    }
};

}  // namespace interop
