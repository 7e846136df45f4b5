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

#include "interop/runtime/recycled_memory.hpp"

namespace interop::asio_detail {

class handler_memory {
public:
    static constexpr std::size_t block_size = 256;

    static void* allocate(std::size_t size, bool shared) {
        if (shared) return recycled_allocate(size);
        if (size <= block_size) {
            if (free_blocks* cache = of_this_thread(); cache != nullptr && cache->count > 0) {
                return cache->blocks[--cache->count];
            }
            return ::operator new(block_size);
        }
        return ::operator new(size);
    }

    static void deallocate(void* block, std::size_t size, bool shared) noexcept {
        if (shared) return recycled_deallocate(block);
        if (size <= block_size) {
            if (free_blocks* cache = of_this_thread();
                cache != nullptr && cache->count < capacity) {
                cache->blocks[cache->count++] = block;
                return;
            }
        }
        ::operator delete(block);
    }

private:
    static constexpr std::size_t capacity = 256;

    // Constant-initialized and trivially destructible, so reaching it is one TLS load
    // and it is still there for handlers freed late in the thread's exit; `drain`
    // frees what it holds when the thread ends, and from then on blocks come from and
    // go to the heap.
    struct free_blocks {
        void* blocks[capacity];
        std::size_t count;
        int state;  // 0: not used yet; 1: in use; 2: the thread is ending
    };
    static inline constinit thread_local free_blocks cache_{};

    struct drain {
        drain() = default;
        drain(const drain&) = delete;
        drain& operator=(const drain&) = delete;
        ~drain() {
            cache_.state = 2;
            while (cache_.count > 0) ::operator delete(cache_.blocks[--cache_.count]);
        }
    };

    static free_blocks* of_this_thread() noexcept {
        if (cache_.state == 1) [[likely]]
            return &cache_;
        return start_cache();
    }
    [[gnu::noinline]] static free_blocks* start_cache() noexcept {
        if (cache_.state == 2) return nullptr;
        thread_local drain at_exit;  // constructed here, once per thread
        cache_.state = 1;
        return &cache_;
    }
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
