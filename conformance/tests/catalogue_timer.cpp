// Timer behaviours of the catalogue that timer.cpp does not pin already: now() across
// threads, sleeps that lose a race, and results that are ready at the deadline.
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE("timer: now() is monotonic across threads") {
    auto rt = conf::make_runtime();
    conf::hang_guard guard;
    const runtime_ref ref = rt->ref();
    // Readings are taken one at a time under a mutex, so each happens after the one
    // before it, whichever thread took it; the clock may not go back between them.
    std::mutex order;
    time_point last = time_point::min();
    std::atomic<int> went_back{0};
    auto read_clock = [&] {
        std::lock_guard lock(order);
        const time_point t = ref.vtable->now(ref.self);
        if (t < last) went_back.fetch_add(1);
        last = t;
    };
    std::atomic<bool> done{false};
    std::vector<std::thread> readers;
    readers.reserve(3);
    for (int i = 0; i < 3; ++i) {
        readers.emplace_back([&] {
            while (!done.load()) read_clock();
        });
    }
    // The runtime's own thread reads it too, while it runs.
    interop::run(ref, [](auto* read, std::atomic<bool>* stop) -> task<void> {
        for (int i = 0; i < 2000; ++i) {
            (*read)();
            if (i % 100 == 0) (void)co_await sleep_for(0ms);
        }
        stop->store(true);
    }(&read_clock, &done));
    for (std::thread& t : readers) t.join();
    CHECK(went_back.load() == 0);
}

TEST_CASE(
    "timer: a cancelled sleep completes at once with operation_canceled, long before its "
    "deadline") {
    conf::run([]() -> task<void> {
        const time_point start = co_await now();
        std::optional<io_result<void>> slept;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](std::optional<io_result<void>>* out) -> task<void> {
                    out->emplace(co_await sleep_for(500ms));
                },
                &slept);
            (void)co_await sleep_for(1ms);
            s.cancel();
            co_return;
        });
        REQUIRE(slept.has_value());
        CHECK(slept->is(std::errc::operation_canceled));
        CHECK(co_await now() - start < 400ms);
    });
}

TEST_CASE(
    "timer: sleeps that lose a when_any race or are cancelled with their scope never wake anyone "
    "later") {
    conf::run([]() -> task<void> {
        int late = 0;  // sleeps that completed normally although they were cancelled
        for (int i = 0; i < 10; ++i) {
            auto winner = co_await when_any([]() -> task<int> { co_return 1; }(),
                                            [](int* n) -> task<int> {
                                                auto r = co_await sleep_for(50ms);
                                                if (r) ++*n;
                                                co_return 2;
                                            }(&late));
            CHECK(winner.index() == 0);
            co_await with_scope([&](scope& s) -> task<void> {
                s.spawn(
                    [](int* n) -> task<void> {
                        auto r = co_await sleep_for(50ms);
                        if (r) ++*n;
                    },
                    &late);
                (void)co_await yield_now();  // the child's sleep has started
                s.cancel();
                co_return;
            });
        }
        // Had a cancelled timer stayed armed, it would fire now, into a frame that is
        // gone (the sanitizer builds report that).
        (void)co_await sleep_for(100ms);
        CHECK(late == 0);
    });
}

TEST_CASE("timer: a result that is ready by the deadline is never reported as timed_out") {
    conf::run([]() -> task<void> {
        // Ready at once: even a zero deadline lets it win.
        auto immediate = co_await timeout(0ms, []() -> task<int> { co_return 1; }());
        CHECK(immediate.value() == 1);
        // Busy past the deadline without suspending: the value is there before the
        // deadline's timer can fire.
        auto busy = co_await timeout(1ms, []() -> task<int> {
            std::this_thread::sleep_for(5ms);
            co_return 2;
        }());
        CHECK(busy.value() == 2);
    });
}

TEST_CASE("timer: an operation finishing at the same instant as its deadline wins (virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        for (int i = 0; i < 10; ++i) {
            auto r = co_await timeout(10ms, sleep_for(10ms));
            CHECK(r.has_value());
        }
    });
}
