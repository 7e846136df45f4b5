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

// Only the owning thread writes a counter, so a plain load and store suffice.
template <typename T>
void bump(std::atomic<T>& c, T by) noexcept {
    c.store(static_cast<T>(c.load(std::memory_order_relaxed) + by), std::memory_order_relaxed);
}

struct free_node {
    free_node* next;
};

// The thread's cache: one list head and count per size class, and its counters.
// Constant-initialized and trivially destructible, so reaching it costs a TLS
// address and nothing else (a thread_local with a constructor or destructor is
// reached through an initialization check on every access, and frames are allocated
// per message). What must happen at thread exit is done by `thread_exit` below,
// which a thread creates once, with its first frame.
struct thread_cache {
    free_node* heads[class_count];
    std::size_t counts[class_count];
    counters stats;
    // 0: nothing yet; 1: registered, thread_exit will clean up; 2: cleaned up (the
    // thread is ending): frames go straight to and from the heap.
    int state;
};

constinit thread_local thread_cache cache{};

// Registers the thread's counters now, and at thread exit releases the cached
// frames to the heap and folds the counts into the totals of ended threads.
struct thread_exit {
    thread_exit() {
        std::lock_guard lock(registry_mutex);
        cache.stats.next = running_threads;
        if (running_threads) running_threads->prev = &cache.stats;
        running_threads = &cache.stats;
        cache.state = 1;
    }
    thread_exit(const thread_exit&) = delete;
    thread_exit& operator=(const thread_exit&) = delete;
    ~thread_exit() {
        cache.state = 2;
        for (std::size_t c = 0; c < class_count; ++c) {
            while (free_node* n = cache.heads[c]) {
                cache.heads[c] = n->next;
                ::operator delete(n);
            }
            cache.counts[c] = 0;
        }
        std::lock_guard lock(registry_mutex);
        ended_live += cache.stats.live.load(std::memory_order_relaxed);
        ended_heap += cache.stats.heap.load(std::memory_order_relaxed);
        cache.stats.live.store(0, std::memory_order_relaxed);
        cache.stats.heap.store(0, std::memory_order_relaxed);
        counters* const me = &cache.stats;
        if (me->prev) me->prev->next = me->next;
        if (me->next) me->next->prev = me->prev;
        if (running_threads == me) running_threads = me->next;
        me->next = me->prev = nullptr;
    }
};

// The slow path of a thread's first frame. Returns false once the thread is ending.
// (Registering takes a std::mutex, whose lock does not fail in practice; if it did,
// noexcept turns that into std::terminate rather than a frame lost in between.)
[[gnu::noinline]] bool start_thread_cache() noexcept {
    if (cache.state == 2) return false;
    thread_local thread_exit at_exit;  // constructed here, once per thread
    return cache.state == 1;
}

bool cache_usable() noexcept {
    if (cache.state == 1) [[likely]] return true;
    return start_thread_cache();
}

// After this thread's cache is gone (frames freed by thread_local destructors that
// run later), counts go straight to the totals of ended threads.
void count_after_exit(std::int64_t live, std::uint64_t heap) noexcept {
    std::lock_guard lock(registry_mutex);
    ended_live += live;
    ended_heap += heap;
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
    if (!cache_usable()) {
        count_after_exit(1, 1);
        return ::operator new(size);
    }
    bump(cache.stats.live, std::int64_t{1});
    if (c < class_count) {
        if (free_node* n = cache.heads[c]) {
            cache.heads[c] = n->next;
            --cache.counts[c];
            return n;
        }
        bump(cache.stats.heap, std::uint64_t{1});
        return ::operator new((c + 1) * granule);
    }
    bump(cache.stats.heap, std::uint64_t{1});
    return ::operator new(size);
}

void deallocate_frame(void* frame, std::size_t size) noexcept {
    // A frame may be freed on a thread that never allocated one: start its cache then
    // (the frame then joins this thread's lists), unless the thread is ending.
    if (!cache_usable()) {
        count_after_exit(-1, 0);
        return ::operator delete(frame);
    }
    bump(cache.stats.live, std::int64_t{-1});
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
