// Frames (and the blocks of recycled_memory.hpp) come from per-thread caches of size
// classes, and every block goes back to the cache of the thread that allocated it.
//
// A frame larger than every class goes to the heap and back as it is, without a header
// (the size given back with it says so). A block of a class starts with a small header
// naming its owner cache and size class. Freed on
// the owner's thread, it joins the owner's list for its class (up to a limit; beyond
// that it goes back to the heap). Freed on another thread, it is pushed onto the
// owner's lock-free "remote" stack for that class, which the owner takes whole when
// its own list runs dry. So when one thread keeps allocating frames that other
// threads free (a task spawns children that finish elsewhere, as on a runtime run by
// several threads), the frames still come back to it, and a steady state allocates
// nothing on any number of threads.
//
// Caches are never freed: a thread that ends leaves its cache (and the blocks in it)
// for the next thread that starts, and blocks freed later still find their owner.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <new>

#include "interop/detail/frame_allocator.hpp"
#include "interop/runtime/recycled_memory.hpp"

namespace interop {
namespace {

constexpr std::size_t granule = 64;
constexpr std::size_t class_count = 64;  // blocks up to 4 KiB, header included
// Free blocks a thread keeps per class: enough for the working set of a server with
// thousands of connections (a timeout per read keeps a handful of frames per
// connection), at most about 2 MiB of each class.
constexpr std::uint32_t max_cached_bytes_per_class = 2u << 20;
constexpr std::uint32_t max_cached_per_class(std::size_t c) noexcept {
    const auto by_bytes =
        static_cast<std::uint32_t>(max_cached_bytes_per_class / ((c + 1) * granule));
    return by_bytes < 8192 ? by_bytes : 8192;
}
constexpr std::uint32_t heap_only = class_count;  // the class of a block that is never cached

struct thread_cache;

// In front of every block. 16 bytes, so the block behind it keeps the alignment that
// operator new gives.
struct alignas(16) block_header {
    thread_cache* owner;  // null for a block that goes straight back to the heap
    std::uint32_t size_class;
};
constexpr std::size_t header_size = sizeof(block_header);
static_assert(header_size == 16);

// A cached block, behind its header (which stays intact while the block is free).
struct free_node {
    free_node* next;
};

struct thread_cache {
    // The thread using the cache only.
    free_node* heads[class_count] = {};
    std::uint32_t counts[class_count] = {};
    // Blocks of this cache freed by other threads.
    std::atomic<free_node*> remote[class_count] = {};
    // Frame counters, written only by the thread using the cache (a plain load and
    // store, no locked read-modify-write per frame) and summed by frame_stats(). A
    // frame allocated on one thread and freed on another moves both threads' live
    // counts; only the sum means anything.
    std::atomic<std::int64_t> live{0};
    std::atomic<std::uint64_t> heap{0};
    thread_cache* next_created = nullptr;    // every cache ever made (guarded by caches_mutex)
    thread_cache* next_abandoned = nullptr;  // caches whose thread ended (guarded by caches_mutex)
};

std::mutex caches_mutex;
thread_cache* all_caches = nullptr;        // guarded by caches_mutex
thread_cache* abandoned_caches = nullptr;  // guarded by caches_mutex
std::int64_t ended_live = 0;               // frames counted after a thread's cache was gone
std::uint64_t ended_heap = 0;

template <typename T>
void bump(std::atomic<T>& c, T by) noexcept {
    c.store(static_cast<T>(c.load(std::memory_order_relaxed) + by), std::memory_order_relaxed);
}

// The thread's cache. Constant-initialized and trivially destructible, so reaching it
// costs a TLS load and nothing else (a thread_local with a constructor or destructor
// is reached through an initialization check on every access). What must happen at
// thread exit is done by `thread_exit`, which a thread creates with its first block.
constinit thread_local thread_cache* current = nullptr;
// 0: no cache yet; 1: a cache; 2: the thread is ending: blocks come from the heap.
constinit thread_local int thread_state = 0;

struct thread_exit {
    thread_exit() {
        std::lock_guard lock(caches_mutex);
        if (abandoned_caches != nullptr) {
            current = abandoned_caches;
            abandoned_caches = current->next_abandoned;
            current->next_abandoned = nullptr;
        } else {
            current = new thread_cache;
            current->next_created = all_caches;
            all_caches = current;
        }
        thread_state = 1;
    }
    thread_exit(const thread_exit&) = delete;
    thread_exit& operator=(const thread_exit&) = delete;
    ~thread_exit() {
        thread_state = 2;
        std::lock_guard lock(caches_mutex);
        current->next_abandoned = abandoned_caches;
        abandoned_caches = current;
        current = nullptr;
    }
};

// The slow path of a thread's first block. Null once the thread is ending. (Taking
// the mutex and allocating the cache do not fail in practice; if they did, noexcept
// turns that into std::terminate rather than a block lost in between.)
[[gnu::noinline]] thread_cache* start_thread_cache() noexcept {
    if (thread_state == 2) return nullptr;
    thread_local thread_exit at_exit;  // constructed here, once per thread
    return current;
}

thread_cache* cache_of_this_thread() noexcept {
    if (current != nullptr) [[likely]]
        return current;
    return start_thread_cache();
}

// After this thread's cache is gone (blocks freed by thread_local destructors that run
// later), frame counts go straight to the totals of ended threads.
void count_after_exit(std::int64_t live, std::uint64_t heap) noexcept {
    std::lock_guard lock(caches_mutex);
    ended_live += live;
    ended_heap += heap;
}

// The cache's list of class `c` is empty: take what other threads gave back. All of
// it, even past the cap: these are blocks this thread allocated, so the list never
// holds more than the thread once had in use, and frees beyond the cap shrink it.
[[gnu::noinline]] free_node* take_remote(thread_cache* t, std::size_t c) noexcept {
    free_node* chain = t->remote[c].exchange(nullptr, std::memory_order_acquire);
    std::uint32_t n = 0;
    for (free_node* p = chain; p != nullptr; p = p->next) ++n;
    t->heads[c] = chain;
    t->counts[c] = n;
    return chain;
}

block_header* header_of(void* block) noexcept { return static_cast<block_header*>(block) - 1; }

// Whether `size` bytes and a header fit no class. allocate_frame then gives the heap's
// block as it is, without a header (a connection's task with its buffer, say): the
// size that comes back with it says where it came from, so the header would only cost
// each such frame 16 bytes.
bool beyond_classes(std::size_t size) noexcept {
    return size + header_size > class_count * granule;
}

// A block for `size` bytes from the cache `t` (null: from the heap, uncached).
// Sets `from_heap` when it had to ask the heap.
void* take_block(thread_cache* t, std::size_t size, bool& from_heap) {
    if (beyond_classes(size) || t == nullptr) {
        from_heap = true;
        auto* h = static_cast<block_header*>(::operator new(size + header_size));
        h->owner = nullptr;
        h->size_class = heap_only;
        return h + 1;
    }
    const std::size_t c = (size + header_size + granule - 1) / granule - 1;
    free_node* n = t->heads[c];
    if (n == nullptr) [[unlikely]]
        n = take_remote(t, c);
    if (n != nullptr) {
        t->heads[c] = n->next;
        --t->counts[c];
        return n;  // its header still names `t` and `c`
    }
    from_heap = true;
    auto* h = static_cast<block_header*>(::operator new((c + 1) * granule));
    h->owner = t;
    h->size_class = static_cast<std::uint32_t>(c);
    return h + 1;
}

// Gives a block back to its owner; `t` is the calling thread's cache (or null).
void give_block(thread_cache* t, void* block) noexcept {
    block_header* h = header_of(block);
    thread_cache* owner = h->owner;
    if (owner == nullptr) return ::operator delete(h);
    const std::uint32_t c = h->size_class;
    auto* n = static_cast<free_node*>(block);
    if (owner == t) {
        if (t->counts[c] >= max_cached_per_class(c)) return ::operator delete(h);
        n->next = t->heads[c];
        t->heads[c] = n;
        ++t->counts[c];
        return;
    }
    // Another thread's block: onto its owner's remote stack (push only; the owner
    // takes the whole stack at once, so there is no ABA to fear).
    free_node* head = owner->remote[c].load(std::memory_order_relaxed);
    do {
        n->next = head;
    } while (!owner->remote[c].compare_exchange_weak(head, n, std::memory_order_release,
                                                     std::memory_order_relaxed));
}

}  // namespace

frame_statistics frame_stats() noexcept {
    std::lock_guard lock(caches_mutex);
    std::int64_t live = ended_live;
    std::uint64_t heap = ended_heap;
    for (const thread_cache* c = all_caches; c != nullptr; c = c->next_created) {
        live += c->live.load(std::memory_order_relaxed);
        heap += c->heap.load(std::memory_order_relaxed);
    }
    // Each cache's counter is read at a different moment, so a frame that moved
    // between threads meanwhile may be missed on one side: never report below zero.
    return {static_cast<std::uint64_t>(live < 0 ? 0 : live), heap};
}

namespace detail {

void* allocate_frame(std::size_t size) {
    thread_cache* t = cache_of_this_thread();
    bool from_heap = false;
    void* frame = nullptr;
    if (beyond_classes(size)) {
        from_heap = true;
        frame = ::operator new(size);
    } else {
        frame = take_block(t, size, from_heap);
    }
    if (t == nullptr) {
        count_after_exit(1, 1);
    } else {
        bump(t->live, std::int64_t{1});
        if (from_heap) bump(t->heap, std::uint64_t{1});
    }
    return frame;
}

void deallocate_frame(void* frame, std::size_t size) noexcept {
    thread_cache* t = cache_of_this_thread();
    if (t == nullptr) {
        count_after_exit(-1, 0);
    } else {
        bump(t->live, std::int64_t{-1});
    }
    if (beyond_classes(size)) return ::operator delete(frame);
    give_block(t, frame);
}

}  // namespace detail

void* recycled_allocate(std::size_t size) {
    bool from_heap = false;
    return take_block(cache_of_this_thread(), size, from_heap);
}

void recycled_deallocate(void* block) noexcept { give_block(cache_of_this_thread(), block); }

}  // namespace interop
