#include "interop/detail/frame_allocator.hpp"

#include <new>

namespace interop {
namespace {

constexpr std::size_t granule = 64;
constexpr std::size_t class_count = 64;  // up to 4 KiB
constexpr std::size_t max_cached_per_class = 256;

std::atomic<std::uint64_t> live_frames{0};
std::atomic<std::uint64_t> heap_allocations{0};

struct free_node {
    free_node* next;
};

// Set when this thread's cache has been torn down (thread exit); frames freed
// after that go straight back to the heap. A plain bool needs no destructor.
thread_local bool cache_gone = false;

// One list head and count per size class; released to the heap when the thread ends.
struct thread_cache {
    free_node* heads[class_count] = {};
    std::size_t counts[class_count] = {};

    thread_cache() = default;
    thread_cache(const thread_cache&) = delete;
    thread_cache& operator=(const thread_cache&) = delete;
    ~thread_cache() {
        cache_gone = true;
        for (std::size_t c = 0; c < class_count; ++c) {
            while (free_node* n = heads[c]) {
                heads[c] = n->next;
                ::operator delete(n);
            }
        }
    }
};

thread_local thread_cache cache;

std::size_t size_class(std::size_t size) noexcept { return (size + granule - 1) / granule - 1; }

}  // namespace

frame_statistics frame_stats() noexcept {
    return {live_frames.load(std::memory_order_relaxed),
            heap_allocations.load(std::memory_order_relaxed)};
}

namespace detail {

void* allocate_frame(std::size_t size) {
    live_frames.fetch_add(1, std::memory_order_relaxed);
    const std::size_t c = size_class(size);
    if (c < class_count && !cache_gone) {
        if (free_node* n = cache.heads[c]) {
            cache.heads[c] = n->next;
            --cache.counts[c];
            return n;
        }
        heap_allocations.fetch_add(1, std::memory_order_relaxed);
        return ::operator new((c + 1) * granule);
    }
    heap_allocations.fetch_add(1, std::memory_order_relaxed);
    return ::operator new(size);
}

void deallocate_frame(void* frame, std::size_t size) noexcept {
    live_frames.fetch_sub(1, std::memory_order_relaxed);
    const std::size_t c = size_class(size);
    if (c < class_count && !cache_gone && cache.counts[c] < max_cached_per_class) {
        auto* n = static_cast<free_node*>(frame);
        n->next = cache.heads[c];
        cache.heads[c] = n;
        ++cache.counts[c];
        return;
    }
    ::operator delete(frame);
}

}  // namespace detail
}  // namespace interop
