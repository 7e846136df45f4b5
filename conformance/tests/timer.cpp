// Timers: sleeps on the runtime's own clock, intervals, timeouts, virtual time.
#include <vector>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE("timer: sleep_for waits at least the duration on the runtime clock") {
    conf::run([]() -> task<void> {
        for (auto d : {1ms, 5ms, 20ms}) {
            const time_point start = co_await now();
            auto slept = co_await sleep_for(d);
            CHECK(slept.has_value());
            CHECK(co_await now() - start >= d);
        }
    });
}

TEST_CASE("timer: sleep_for(0) and a deadline in the past complete at the next resumption") {
    conf::run([]() -> task<void> {
        auto zero = co_await sleep_for(0ms);
        CHECK(zero.has_value());
        auto past = co_await sleep_until(co_await now() - 1s);
        CHECK(past.has_value());
        auto negative = co_await sleep_for(-5ms);
        CHECK(negative.has_value());
    });
}

TEST_CASE("timer: sleep_for(0) lets another ready task run first") {
    INTEROP_REQUIRE_SINGLE_THREADED();
    std::vector<int> order;
    conf::run([&]() -> task<void> {
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](std::vector<int>* log) -> task<void> {
                    (void)co_await sleep_for(0ms);
                    log->push_back(1);
                },
                &order);
            s.spawn(
                [](std::vector<int>* log) -> task<void> {
                    log->push_back(2);
                    co_return;
                },
                &order);
            co_return;
        });
    });
    CHECK(order == std::vector<int>{2, 1});
}

TEST_CASE("timer: a shorter sleep started later fires before a longer one started earlier") {
    std::vector<int> order;
    conf::run([&]() -> task<void> {
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](std::vector<int>* log) -> task<void> {
                    (void)co_await sleep_for(60ms);
                    log->push_back(60);
                },
                &order);
            s.spawn(
                [](std::vector<int>* log) -> task<void> {
                    (void)co_await sleep_for(5ms);
                    log->push_back(5);
                },
                &order);
            co_return;
        });
    });
    CHECK(order == std::vector<int>{5, 60});
}

TEST_CASE("timer: sub-millisecond durations round up, never down") {
    conf::run([]() -> task<void> {
        for (auto d : {std::chrono::nanoseconds(1), std::chrono::nanoseconds(999),
                       std::chrono::nanoseconds(250'000)}) {
            const time_point start = co_await now();
            (void)co_await sleep_for(d);
            CHECK(co_await now() - start >= d);
        }
        // A fraction of a nanosecond is still a positive duration.
        CHECK(detail::to_runtime_duration(std::chrono::duration<double, std::nano>(0.25)) ==
              std::chrono::nanoseconds(1));
    });
}

TEST_CASE("timer: huge durations neither overflow nor throw") {
    conf::run([]() -> task<void> {
        auto r = co_await timeout(1ms, sleep_for(std::chrono::hours::max()));
        CHECK(r.is(std::errc::timed_out));
        auto r2 = co_await timeout(1ms, sleep_until(time_point::max()));
        CHECK(r2.is(std::errc::timed_out));
    });
}

TEST_CASE("timer: now() is monotonic") {
    conf::run([]() -> task<void> {
        time_point last = co_await now();
        for (int i = 0; i < 1000; ++i) {
            const time_point t = co_await now();
            CHECK(t >= last);
            last = t;
            if (i % 100 == 0) (void)co_await yield_now();
        }
    });
}

TEST_CASE(
    "timer: a cancelled sleep completes with operation_canceled and never wakes anyone later") {
    conf::run([]() -> task<void> {
        auto handle =
            co_await spawn([]() -> task<io_result<void>> { co_return co_await sleep_for(20ms); });
        (void)co_await yield_now();
        handle.cancel();
        auto r = co_await handle;
        CHECK(r.is(std::errc::operation_canceled));
        // Had the timer stayed armed, its firing would resume a finished frame.
        (void)co_await sleep_for(40ms);
    });
}

TEST_CASE("timer: timeout lets a ready value win") {
    conf::run([]() -> task<void> {
        auto r = co_await timeout(1s, []() -> task<int> { co_return 7; }());
        REQUIRE(r.has_value());
        CHECK(*r == 7);
        auto slow = co_await timeout(50ms, sleep_for(5ms));
        CHECK(slow.has_value());
    });
}

TEST_CASE("timer: timeout reports timed_out when the operation is not ready by the deadline") {
    conf::run([]() -> task<void> {
        const time_point start = co_await now();
        auto r = co_await timeout(10ms, sleep_for(10s));
        CHECK(r.is(std::errc::timed_out));
        CHECK(co_await now() - start >= 10ms);
    });
}

TEST_CASE("timer: interval ticks immediately, then once per period") {
    conf::run([]() -> task<void> {
        const time_point start = co_await now();
        interval ticks(10ms);
        auto first = co_await ticks.next();
        REQUIRE(first.has_value());
        CHECK(*first >= start);  // the first tick is due at once: its time is the start
        auto second = co_await ticks.next();
        REQUIRE(second.has_value());
        CHECK(*second - *first == 10ms);
        CHECK(co_await now() >= *second);
    });
}

TEST_CASE(
    "timer: interval's first tick takes no time and the next comes exactly one period later "
    "(virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        const time_point start = co_await now();
        interval ticks(10ms);
        auto first = co_await ticks.next();
        REQUIRE(first.has_value());
        CHECK(co_await now() == start);
        auto second = co_await ticks.next();
        REQUIRE(second.has_value());
        CHECK(co_await now() - start == 10ms);
    });
}

TEST_CASE("timer: interval skips missed ticks instead of bursting (virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        interval ticks(10ms);
        auto first = co_await ticks.next();
        (void)co_await sleep_for(35ms);  // misses the ticks due at 10, 20 and 30 ms
        auto late = co_await ticks.next();
        CHECK(*late - *first == 30ms);  // the most recent missed one, once
        auto next = co_await ticks.next();
        CHECK(*next - *first == 40ms);  // then back on the grid
    });
}

TEST_CASE("timer: virtual time runs a one-hour timeout instantly and exactly") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    const auto wall_start = std::chrono::steady_clock::now();
    conf::run_virtual([]() -> task<void> {
        const time_point start = co_await now();
        auto r = co_await timeout(1h, sleep_for(2h));
        CHECK(r.is(std::errc::timed_out));
        CHECK(co_await now() - start == 1h);
    });
    CHECK(std::chrono::steady_clock::now() - wall_start < 10s);  // only catches a real wait
}

TEST_CASE("timer: virtual time fires exactly the due timers in deadline order") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    std::vector<int> order;
    conf::run_virtual([&]() -> task<void> {
        const time_point start = co_await now();
        co_await with_scope([&](scope& s) -> task<void> {
            for (int minutes : {30, 10, 20, 10}) {
                s.spawn(
                    [](std::vector<int>* log, int m, time_point t0) -> task<void> {
                        (void)co_await sleep_for(std::chrono::minutes(m));
                        CHECK(co_await now() - t0 == std::chrono::minutes(m));
                        log->push_back(m);
                    },
                    &order, minutes, start);
            }
            co_return;
        });
    });
    CHECK(order == std::vector<int>{10, 10, 20, 30});
}
