// Memory for the Asio handlers of this adapter.
//
// Asio recycles handler memory per thread too, but keeps only two blocks: with more
// handlers in flight at once than that (the posts and reads of a thousand connections'
// timeouts, say) it reaches the heap for every message. With one thread, a per-thread
// stack of up to 256 free blocks of one size covers every handler the adapter makes,
// for a push or a pop. With several, a handler is often made on one thread and freed on
// another, which would drain one thread's stack and overfill another's: there the
// blocks come from interop's recycled memory, which sends each back to the thread that
// made it (recycled_memory.hpp).
#pragma once

#include <cstddef>
#include <new>
#include <utility>

#include <asio/bind_allocator.hpp>

#include "interop/recycled_memory.hpp"

namespace interop::asio_detail {

class handler_memory {
public:
    static constexpr std::size_t block_size = 256;

    static void* allocate(std::size_t size, bool shared) {
        if (shared) return recycled_allocate(size);
        if (size <= block_size) {
            handler_memory& cache = of_this_thread();
            if (cache.count_ > 0) return cache.blocks_[--cache.count_];
            return ::operator new(block_size);
        }
        return ::operator new(size);
    }

    static void deallocate(void* block, std::size_t size, bool shared) noexcept {
        if (shared) return recycled_deallocate(block);
        if (size <= block_size) {
            handler_memory& cache = of_this_thread();
            if (cache.count_ < capacity) {
                cache.blocks_[cache.count_++] = block;
                return;
            }
        }
        ::operator delete(block);
    }

    handler_memory() = default;
    handler_memory(const handler_memory&) = delete;
    handler_memory& operator=(const handler_memory&) = delete;
    ~handler_memory() {
        while (count_ > 0) ::operator delete(blocks_[--count_]);
    }

private:
    static constexpr std::size_t capacity = 256;

    static handler_memory& of_this_thread() noexcept {
        thread_local handler_memory cache;
        return cache;
    }

    void* blocks_[capacity];
    std::size_t count_ = 0;
};

// A standard allocator over handler_memory, for asio::bind_allocator. `shared`: the
// runtime has several threads.
template <typename T>
struct handler_allocator {
    using value_type = T;
    explicit handler_allocator(bool is_shared) noexcept : shared(is_shared) {}
    template <typename U>
    handler_allocator(const handler_allocator<U>& other) noexcept : shared(other.shared) {}
    T* allocate(std::size_t n) {
        return static_cast<T*>(handler_memory::allocate(n * sizeof(T), shared));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        handler_memory::deallocate(p, n * sizeof(T), shared);
    }
    template <typename U>
    friend bool operator==(const handler_allocator& a, const handler_allocator<U>& b) noexcept {
        return a.shared == b.shared;
    }
    bool shared;
};

// `handler` with handler_memory as its allocator.
template <typename Handler>
auto recycled(bool multi_threaded, Handler&& handler) {
    return asio::bind_allocator(handler_allocator<void>{multi_threaded},
                                std::forward<Handler>(handler));
}

}  // namespace interop::asio_detail
