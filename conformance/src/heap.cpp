// The global operator new and delete of the suite's executables: they count, then use
// malloc and free. The count is what "allocates nothing" is measured by (heap.hpp).
//
// ThreadSanitizer's runtime brings its own operator new and delete, linked whole, so
// they cannot be replaced there: under TSan the count comes from the sanitizer's
// allocation hook instead, which sees every allocation, malloc included (a stricter
// count, never a laxer one).
#include "interop/conformance/heap.hpp"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_THREAD__)
#define INTEROP_HEAP_COUNT_WITH_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define INTEROP_HEAP_COUNT_WITH_HOOKS 1
#endif
#endif

namespace {
std::atomic<std::uint64_t> allocation_count{0};
// heap_failure objects alive on this thread (unused where a sanitizer owns operator new)
[[maybe_unused]] thread_local int failing = 0;
// The size of the allocation next_allocation_fails waits for on this thread, 0 for none.
[[maybe_unused]] thread_local std::size_t failing_once = 0;

// Whether this allocation is to fail.
[[maybe_unused]] bool fails_now(std::size_t size) noexcept {
    if (failing > 0) return true;
    if (failing_once == 0 || size != failing_once) return false;
    failing_once = 0;
    return true;
}
}  // namespace

namespace interop::conformance {
std::uint64_t heap_allocations() noexcept {
    return allocation_count.load(std::memory_order_relaxed);
}
heap_failure::heap_failure() noexcept { ++failing; }
heap_failure::~heap_failure() { --failing; }
next_allocation_fails::next_allocation_fails(std::size_t size) noexcept { failing_once = size; }
next_allocation_fails::~next_allocation_fails() { failing_once = 0; }
}  // namespace interop::conformance

#if defined(INTEROP_HEAP_COUNT_WITH_HOOKS)

bool interop::conformance::heap_failure::available() noexcept { return false; }

#include <sanitizer/allocator_interface.h>

namespace {

void on_allocation(const volatile void*, std::size_t) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
}
void on_free(const volatile void*) {}
[[maybe_unused]] const int hooks_installed =
    __sanitizer_install_malloc_and_free_hooks(&on_allocation, &on_free);

}  // namespace

#else

bool interop::conformance::heap_failure::available() noexcept { return true; }

namespace {

void* allocate(std::size_t size) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    if (fails_now(size)) throw std::bad_alloc();
    for (;;) {
        if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
        std::new_handler handler = std::get_new_handler();
        if (handler == nullptr) throw std::bad_alloc();
        handler();
    }
}

void* allocate_aligned(std::size_t size, std::align_val_t alignment) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    if (fails_now(size)) throw std::bad_alloc();
    const auto align = static_cast<std::size_t>(alignment);
    // aligned_alloc wants a size that is a multiple of the alignment.
    const std::size_t rounded = (size + align - 1) / align * align;
    for (;;) {
        if (void* p = std::aligned_alloc(align, rounded == 0 ? align : rounded)) return p;
        std::new_handler handler = std::get_new_handler();
        if (handler == nullptr) throw std::bad_alloc();
        handler();
    }
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void* operator new(std::size_t size, std::align_val_t a) { return allocate_aligned(size, a); }
void* operator new[](std::size_t size, std::align_val_t a) { return allocate_aligned(size, a); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    try {
        return allocate_aligned(size, a);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    try {
        return allocate_aligned(size, a);
    } catch (...) {
        return nullptr;
    }
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

#endif
