#include "interop/detail/frame_allocator.hpp"

#include <mutex>
#include <new>

namespace interop {
namespace {

constexpr std::size_t granule = 64;
constexpr std::size_t class_count = 64;  // up to 4 KiB
constexpr std::size_t max_cached_per_class = 256;

// The counters are kept per thread, written only by their thread with plain loads
// and stores (no locked read-modify-write on every frame, which a frame per message
// would pay), and summed by frame_stats(). A thread that ends folds its counts into
// the totals of threads that are gone. Frames allocated on one thread and freed on
// another make the two threads' live counts go up and down; only the sum means
// anything.
struct counters {
    std::atomic<std::int64_t> live{0};
    std::atomic<std::uint64_t> heap{0};
    counters* next = nullptr;  // in the list of running threads' counters
    counters* prev = nullptr;
};

std::mutex registry_mutex;
counters* running_threads = nullptr;  // guarded by registry_mutex
std::int64_t ended_live = 0;          // guarded by registry_mutex
std::uint64_t ended_heap = 0;         // guarded by registry_mutex

void bump(std::atomic<std::int64_t>& c, std::int64_t by) noexcept {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}
void bump(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

struct free_node {
    free_node* next;
};

// Set when this thread's cache has been torn down (thread exit); frames freed
// after that go straight back to the heap. A plain bool needs no destructor.
thread_local bool cache_gone = false;

// One list head and count per size class, and the thread's counters; the frames are
// released to the heap and the counts folded into the totals when the thread ends.
struct thread_cache {
    free_node* heads[class_count] = {};
    std::size_t counts[class_count] = {};
    counters stats;

    thread_cache() {
        std::lock_guard lock(registry_mutex);
        stats.next = running_threads;
        if (running_threads) running_threads->prev = &stats;
        running_threads = &stats;
    }
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
        std::lock_guard lock(registry_mutex);
        ended_live += stats.live.load(std::memory_order_relaxed);
        ended_heap += stats.heap.load(std::memory_order_relaxed);
        if (stats.prev) stats.prev->next = stats.next;
        if (stats.next) stats.next->prev = stats.prev;
        if (running_threads == &stats) running_threads = stats.next;
    }
};

thread_local thread_cache cache;

// After this thread's cache is gone (frames freed by thread_local destructors that
// run later), counts go straight to the totals of ended threads.
void count_live_after_exit(std::int64_t by) noexcept {
    std::lock_guard lock(registry_mutex);
    ended_live += by;
}
void count_heap_after_exit() noexcept {
    std::lock_guard lock(registry_mutex);
    ++ended_heap;
}

std::size_t size_class(std::size_t size) noexcept { return (size + granule - 1) / granule - 1; }

}  // namespace

frame_statistics frame_stats() noexcept {
    std::lock_guard lock(registry_mutex);
    std::int64_t live = ended_live;
    std::uint64_t heap = ended_heap;
    for (const counters* c = running_threads; c != nullptr; c = c->next) {
        live += c->live.load(std::memory_order_relaxed);
        heap += c->heap.load(std::memory_order_relaxed);
    }
    return {static_cast<std::uint64_t>(live), heap};
}

namespace detail {

void* allocate_frame(std::size_t size) {
    const std::size_t c = size_class(size);
    if (cache_gone) {
        count_live_after_exit(1);
        count_heap_after_exit();
        return ::operator new(size);
    }
    bump(cache.stats.live, 1);
    if (c < class_count) {
        if (free_node* n = cache.heads[c]) {
            cache.heads[c] = n->next;
            --cache.counts[c];
            return n;
        }
        bump(cache.stats.heap);
        return ::operator new((c + 1) * granule);
    }
    bump(cache.stats.heap);
    return ::operator new(size);
}

void deallocate_frame(void* frame, std::size_t size) noexcept {
    if (cache_gone) {
        count_live_after_exit(-1);
        return ::operator delete(frame);
    }
    bump(cache.stats.live, -1);
    const std::size_t c = size_class(size);
    if (c < class_count && cache.counts[c] < max_cached_per_class) {
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
