// when_all, when_any, race: concurrency over tasks without orphans.
#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {
task<int> after(std::chrono::milliseconds d, int value) {
    (void)co_await sleep_for(d);
    co_return value;
}
task<void> nothing_after(std::chrono::milliseconds d) { (void)co_await sleep_for(d); }
}  // namespace

TEST_CASE("combinators: when_all returns every value, in argument order") {
    conf::run([]() -> task<void> {
        const time_point start = co_await now();
        auto [a, b, c] = co_await when_all(after(20ms, 1), after(10ms, 2), nothing_after(15ms));
        CHECK(a == 1);
        CHECK(b == 2);
        (void)c;
        // They ran concurrently: the whole took about the longest, not the sum.
        CHECK(co_await now() - start >= 20ms);
    });
}

TEST_CASE("combinators: when_all over a range returns values in range order") {
    conf::run([]() -> task<void> {
        std::vector<task<int>> tasks;
        tasks.reserve(10);
        for (int i = 0; i < 10; ++i) tasks.push_back(after(std::chrono::milliseconds(10 - i), i));
        auto values = co_await when_all(std::move(tasks));
        REQUIRE(values.size() == 10);
        for (int i = 0; i < 10; ++i) CHECK(values[static_cast<std::size_t>(i)] == i);
    });
}

TEST_CASE("combinators: when_all cancels the others when one throws, then rethrows") {
    conf::run([]() -> task<void> {
        bool other_cancelled = false;
        auto failing = []() -> task<int> {
            (void)co_await sleep_for(1ms);
            throw std::runtime_error("bad");
        };
        auto slow = [](bool* flag) -> task<int> {
            auto r = co_await sleep_for(24h);
            *flag = r.is(std::errc::operation_canceled);
            co_return 0;
        };
        CHECK_THROWS_WITH_AS(co_await when_all(failing(), slow(&other_cancelled)), "bad",
                             std::runtime_error);
        CHECK(other_cancelled);
    });
}

TEST_CASE("combinators: when_any over a range reports the first to finish") {
    conf::run([]() -> task<void> {
        std::vector<task<int>> tasks;
        tasks.push_back(after(50ms, 0));
        tasks.push_back(after(1ms, 1));
        tasks.push_back(after(24h, 2));
        auto [index, value] = co_await when_any(std::move(tasks));
        CHECK(index == 1);
        CHECK(value == 1);
    });
}

TEST_CASE("combinators: when_any over an empty range is rejected") {
    conf::run([]() -> task<void> {
        CHECK_THROWS_AS(co_await when_any(std::vector<task<int>>{}), std::invalid_argument);
    });
}

TEST_CASE("combinators: race returns the first value of tasks of one type") {
    conf::run([]() -> task<void> {
        auto v = co_await race(after(30ms, 30), after(3ms, 3), after(24h, 0));
        CHECK(v == 3);
    });
}

TEST_CASE("combinators: when_any takes library awaitables: a sleep beats a signal not raised") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::run([]() -> task<void> {
        const time_point start = co_await now();
        auto first = co_await when_any(interop::signal(SIGUSR2), sleep_for(10ms));
        CHECK(first.index() == 1);
        CHECK(std::get<1>(first).has_value());
        CHECK(co_await now() - start >= 10ms);
        // The losing signal wait was cancelled and is gone: a raise now reaches a
        // fresh wait and nothing else.
        std::raise(SIGUSR2);
        auto again = co_await timeout(5s, interop::signal(SIGUSR2));
        CHECK(again.has_value());
    });
}

TEST_CASE("combinators: when_all and race mix tasks, sleeps and join handles") {
    conf::run([]() -> task<void> {
        const time_point start = co_await now();
        auto handle = co_await spawn(after(5ms, 7));
        auto [slept, joined, value] =
            co_await when_all(sleep_for(15ms), std::move(handle), after(1ms, 1));
        CHECK(slept.has_value());
        REQUIRE(joined.has_value());
        CHECK(*joined == 7);
        CHECK(value == 1);
        CHECK(co_await now() - start >= 15ms);
        // race over sleeps: the earliest deadline wins, the other is cancelled.
        auto won = co_await race(sleep_for(24h), sleep_for(1ms));
        CHECK(won.has_value());
        std::vector<decltype(sleep_for(1ms))> sleeps;
        sleeps.push_back(sleep_for(24h));
        sleeps.push_back(sleep_for(2ms));
        auto [index, result] = co_await when_any(std::move(sleeps));
        CHECK(index == 1);
        CHECK(result.has_value());
    });
}
