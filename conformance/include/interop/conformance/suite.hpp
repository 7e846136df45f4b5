// What a conformance test uses: the backend under test, fresh runtimes, a hang
// guard, and the frame-leak check that runs after every test.
//
//     TEST_CASE("timer: sleep_for(0) completes at the next resumption") {
//         conformance::run([]() -> task<void> { ... CHECK(...); co_return; });
//     }
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "interop/conformance/backend.hpp"
#include "interop/interop.hpp"

namespace interop::conformance {

const backend& current_backend();

// The name of the test case that is running (kept by a doctest listener).
std::string current_test_name();

// The capability enumerators a bit set holds, by name ("cap_ipv6", ...).
std::vector<std::string> capability_names(std::uint32_t capabilities);

// True when the backend declares `c`. When it does not, the test case is recorded as
// n/a for this backend, naming the capability: the runner's matrix shows "n/a", the
// binary's exit status for that one test case is 77 and ctest shows it as skipped.
// It is never counted as passed. A failure recorded before or after still fails it.
bool has_capability(capability c, const char* capability_name);

// First statement of a test case that needs a capability: returns from the test case
// (asserting nothing) on a backend that does not declare it.
#define INTEROP_REQUIRE_CAPABILITY(cap)                                      \
    do {                                                                     \
        if (!::interop::conformance::has_capability(::interop::cap, #cap)) { \
            return;                                                          \
        }                                                                    \
    } while (false)

// First statement of a test case that makes allocations fail (heap.hpp's heap_failure):
// n/a where operator new cannot be replaced (ThreadSanitizer builds).
bool can_fail_allocations();
#define INTEROP_REQUIRE_FAILING_ALLOCATIONS()                        \
    do {                                                             \
        if (!::interop::conformance::can_fail_allocations()) return; \
    } while (false)

// First statement of a test case whose behaviour is defined only for one thread
// running the runtime (scheduling order, fairness between ready tasks): n/a on a
// backend that declares cap_multi_threaded, where tasks genuinely run at once.
bool is_single_threaded();
#define INTEROP_REQUIRE_SINGLE_THREADED()                    \
    do {                                                     \
        if (!::interop::conformance::is_single_threaded()) { \
            return;                                          \
        }                                                    \
    } while (false)

// Aborts the whole process with a message naming the test if it is still running
// after `limit`: a hang on a broken adapter becomes a failure, not a stuck run.
class hang_guard {
public:
    explicit hang_guard(std::chrono::seconds limit = std::chrono::seconds(30));
    ~hang_guard();
    hang_guard(const hang_guard&) = delete;
    hang_guard& operator=(const hang_guard&) = delete;

private:
    struct state;
    state* state_;
};

std::unique_ptr<runtime_instance> make_runtime(const runtime_options& options = {});

// Checks that every coroutine frame created since construction is gone again.
class frame_leak_check {
public:
    frame_leak_check() noexcept;
    ~frame_leak_check();

private:
    std::uint64_t baseline_;
};

// Runs `body()` to completion on a fresh runtime under a hang guard, then checks
// that no frame leaked. Returns the task's value.
template <typename F>
auto run(F body, const runtime_options& options = {}) {
    hang_guard guard;
    frame_leak_check leaks;
    auto rt = make_runtime(options);
    return interop::run(rt->ref(), body());
}

// Same, on a virtual-time runtime (the caller has checked the capability).
template <typename F>
auto run_virtual(F body) {
    return run(std::move(body), runtime_options{.virtual_time = true});
}

// Accepts one connection, trying again after an error that leaves the listener usable,
// as any server must: the chaos backend fails accepts now and then on purpose (the
// listener backs off between tries).
inline task<io_result<tcp_stream>> accept(tcp_listener& listener) {
    for (;;) {
        auto c = co_await listener.accept();
        if (c || !interop::detail::accept_backs_off(c.error())) co_return c;
    }
}
inline task<io_result<unix_stream>> accept(unix_listener& listener) {
    for (;;) {
        auto c = co_await listener.accept();
        if (c || !interop::detail::accept_backs_off(c.error())) co_return c;
    }
}

// Writes all of `text`: a write may take less than it is given (on the chaos backend,
// down to one byte).
template <typename Writer>
task<io_result<std::size_t>> write_text(Writer& stream, std::string_view text) {
    co_return co_await interop::write_all(stream, std::as_bytes(std::span(text)));
}

// Reads exactly `n` bytes, over as many reads as it takes (a read returns at least
// one byte, not as many as were written).
template <typename Reader>
task<io_result<std::string>> read_text(Reader& stream, std::size_t n) {
    std::string text(n, '\0');
    auto got = co_await interop::read_exact(stream, std::as_writable_bytes(std::span(text)));
    if (!got) co_return got.error();
    co_return text;
}

// A spawned task says it is about to await an operation; the test waits for that,
// then gives it a moment to reach the wait. A fixed sleep alone is not enough for an
// outcome that needs the operation pending (closing the stream under it): on a
// multi-threaded runtime under load the spawned task may start late, on another thread.
class arrival {
public:
    void arrive() noexcept { arrived_.set(); }
    task<void> wait() {
        (void)co_await arrived_.wait();
        (void)co_await sleep_for(std::chrono::milliseconds(5));
    }

private:
    event arrived_;
};

// 0, 1, ..., n - 1: a source for iter::from in the iteration behaviours.
inline std::vector<int> numbers(int n) {
    std::vector<int> v;
    v.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) v.push_back(i);
    return v;
}

// A loopback endpoint with port 0 for the given family.
inline endpoint loopback_v4() { return endpoint{ip_address::loopback_v4(), 0}; }
inline endpoint loopback_v6() { return endpoint{ip_address::loopback_v6(), 0}; }

}  // namespace interop::conformance
