// when_all, when_any, race: concurrency over tasks without orphans.
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
