// See alloc_counter.hpp. This file must be linked into the executable (not a shared
// library) for its malloc and operator new to replace the C library's.
#include "alloc_counter.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

#if defined(INTEROP_BENCH_COUNT_ALLOCATIONS)

namespace {

std::atomic<bool> counting{false};
std::atomic<std::uint64_t> allocations{0};

inline void count_one() noexcept {
    if (counting.load(std::memory_order_relaxed))
        allocations.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// glibc's allocator under its internal names, always there on glibc. The names are
// reserved to the implementation, which glibc is: declared here to be called.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wreserved-identifier"
#endif
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* p);
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

extern "C" {

void* malloc(std::size_t size) noexcept {
    count_one();
    return __libc_malloc(size);
}

void* calloc(std::size_t count, std::size_t size) noexcept {
    count_one();
    return __libc_calloc(count, size);
}

void* realloc(void* p, std::size_t size) noexcept {
    count_one();
    return __libc_realloc(p, size);
}

void free(void* p) noexcept { __libc_free(p); }

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
    count_one();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
    if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
    count_one();
    void* p = __libc_memalign(alignment, size);
    if (p == nullptr) return ENOMEM;
    *out = p;
    return 0;
}

void* memalign(std::size_t alignment, std::size_t size) noexcept;
void* memalign(std::size_t alignment, std::size_t size) noexcept {
    count_one();
    return __libc_memalign(alignment, size);
}

}  // extern "C"

namespace {

void* new_block(std::size_t size) {
    count_one();
    if (void* p = __libc_malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

void* new_aligned_block(std::size_t size, std::align_val_t alignment) {
    count_one();
    if (void* p = __libc_memalign(static_cast<std::size_t>(alignment), size == 0 ? 1 : size))
        return p;
    throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return new_block(size); }
void* operator new[](std::size_t size) { return new_block(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    count_one();
    return __libc_malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    count_one();
    return __libc_malloc(size == 0 ? 1 : size);
}
void* operator new(std::size_t size, std::align_val_t a) { return new_aligned_block(size, a); }
void* operator new[](std::size_t size, std::align_val_t a) { return new_aligned_block(size, a); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    count_one();
    return __libc_memalign(static_cast<std::size_t>(a), size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    count_one();
    return __libc_memalign(static_cast<std::size_t>(a), size == 0 ? 1 : size);
}

void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { __libc_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    __libc_free(p);
}

#endif  // INTEROP_BENCH_COUNT_ALLOCATIONS

namespace bench {
namespace {

#if defined(INTEROP_BENCH_COUNT_ALLOCATIONS)
std::atomic<std::uint64_t> window_start{0};
std::atomic<bool> window_open{false};

// Appends the decimal digits of v to buf at *pos (async-signal-safe formatting).
void put_uint(char* buf, std::size_t* pos, std::uint64_t v) noexcept {
    char digits[24];
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) buf[(*pos)++] = digits[--n];
}

void put_text(char* buf, std::size_t* pos, const char* text) noexcept {
    while (*text) buf[(*pos)++] = *text++;
}

void on_window_signal(int, siginfo_t* info, void*) noexcept {
    const int saved_errno = errno;
    const std::uint64_t now = allocations.load(std::memory_order_relaxed);
    const int value = info->si_code == SI_QUEUE ? info->si_value.sival_int : 0;
    if (value <= 0) {
        window_start.store(now, std::memory_order_relaxed);
        window_open.store(true, std::memory_order_relaxed);
    } else if (window_open.exchange(false, std::memory_order_relaxed)) {
        const std::uint64_t allocs = now - window_start.load(std::memory_order_relaxed);
        const auto messages = static_cast<std::uint64_t>(value);
        const std::uint64_t milli = (allocs * 1000 + messages / 2) / messages;
        char line[160];
        std::size_t pos = 0;
        put_text(line, &pos, "allocations window_allocations=");
        put_uint(line, &pos, allocs);
        put_text(line, &pos, " window_messages=");
        put_uint(line, &pos, messages);
        put_text(line, &pos, " allocs_per_msg=");
        put_uint(line, &pos, milli / 1000);
        line[pos++] = '.';
        const std::uint64_t frac = milli % 1000;
        line[pos++] = static_cast<char>('0' + frac / 100);
        line[pos++] = static_cast<char>('0' + frac / 10 % 10);
        line[pos++] = static_cast<char>('0' + frac % 10);
        line[pos++] = '\n';
        for (std::size_t off = 0; off < pos;) {
            const ssize_t w = ::write(STDOUT_FILENO, line + off, pos - off);
            if (w <= 0) break;
            off += static_cast<std::size_t>(w);
        }
    }
    errno = saved_errno;
}
#endif  // INTEROP_BENCH_COUNT_ALLOCATIONS

}  // namespace

bool enable_allocation_counting() {
#if defined(INTEROP_BENCH_COUNT_ALLOCATIONS)
    struct sigaction sa {};
    sa.sa_sigaction = &on_window_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, nullptr) != 0) {
        std::perror("sigaction(SIGUSR1)");
        return false;
    }
    counting.store(true, std::memory_order_relaxed);
    return true;
#else
    std::fprintf(stderr, "allocation counting is not available in this build (sanitizers)\n");
    return false;
#endif
}

}  // namespace bench
