// Async iteration: generators that await between yields, and combinators.
#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {
generator<int> slow_count(int n) {
    for (int i = 0; i < n; ++i) {
        (void)co_await sleep_for(1ms);
        co_yield i;
    }
}
generator<int> count_forever() {
    for (int i = 0;; ++i) co_yield i;
}
}  // namespace

TEST_CASE("iteration: a generator can co_await between co_yields") {
    conf::run([]() -> task<void> {
        auto g = slow_count(3);
        std::vector<int> seen;
        while (auto v = co_await g.next()) seen.push_back(*v);
        CHECK(seen == std::vector<int>{0, 1, 2});
    });
}

TEST_CASE("iteration: after the end, next() keeps returning the end") {
    conf::run([]() -> task<void> {
        auto g = slow_count(1);
        CHECK(co_await g.next() == std::optional<int>(0));
        CHECK_FALSE((co_await g.next()).has_value());
        CHECK_FALSE((co_await g.next()).has_value());
        CHECK_FALSE((co_await g.next()).has_value());
    });
}

TEST_CASE("iteration: destroying a generator mid-way destroys its frame and locals") {
    int destroyed = 0;
    conf::run([&]() -> task<void> {
        struct counts {
            int* n;
            ~counts() { ++*n; }
        };
        {
            auto g = [](int* n) -> generator<int> {
                counts local{n};
                for (int i = 0;; ++i) {
                    (void)co_await sleep_for(1ms);
                    co_yield i;
                }
            }(&destroyed);
            (void)co_await g.next();
            (void)co_await g.next();
            CHECK(destroyed == 0);
        }
        CHECK(destroyed == 1);
    });
}

TEST_CASE("iteration: map, filter and take compose with | and collect gathers the items") {
    conf::run([]() -> task<void> {
        auto squares_of_evens =
            co_await (count_forever() | iter::filter([](int x) { return x % 2 == 0; }) |
                      iter::map([](int x) { return x * x; }) | iter::take(4) | iter::collect());
        CHECK(squares_of_evens == std::vector<int>{0, 4, 16, 36});
    });
}

TEST_CASE("iteration: a map callable may return a task (an async closure)") {
    conf::run([]() -> task<void> {
        const std::string suffix = "!";
        // Built outside the co_await: GCC 12 destroys a capturing lambda temporary
        // twice when it is created inside a co_await operand (see docs/compilers.md).
        auto pipeline = slow_count(3) | iter::map([suffix](int x) -> task<std::string> {
                            (void)co_await sleep_for(1ms);
                            co_return std::to_string(x) + suffix;
                        }) |
                        iter::collect();
        auto items = co_await std::move(pipeline);
        CHECK(items == std::vector<std::string>{"0!", "1!", "2!"});
    });
}

TEST_CASE("iteration: an exception in a generator body reaches the consumer") {
    conf::run([]() -> task<void> {
        auto g = []() -> generator<int> {
            co_yield 1;
            throw std::runtime_error("generator failed");
        }();
        CHECK((co_await g.next()) == std::optional<int>(1));
        CHECK_THROWS_WITH_AS(co_await g.next(), "generator failed", std::runtime_error);
    });
}

TEST_CASE("iteration: a long synchronous generator does not grow the stack") {
    conf::run([]() -> task<void> {
        auto g = []() -> generator<int> {
            for (int i = 0; i < 1000000; ++i) co_yield i;
        }();
        long total = 0;
        while (auto v = co_await g.next()) total += 1;
        CHECK(total == 1000000);
    });
}

TEST_CASE("iteration: iter::from yields a range's elements, owning or borrowing it") {
    conf::run([]() -> task<void> {
        // An owned container of move-only elements: moved out, in order.
        std::vector<std::unique_ptr<int>> boxes;
        boxes.reserve(3);
        for (int i = 0; i < 3; ++i) boxes.push_back(std::make_unique<int>(i));
        auto owned = iter::from(std::move(boxes));
        std::vector<int> unboxed;
        while (auto box = co_await owned.next()) unboxed.push_back(**box);
        CHECK(unboxed == std::vector<int>{0, 1, 2});

        // A borrowed range is copied from and left intact.
        const std::vector<std::string> words{"a", "bb", "ccc"};
        auto lengths =
            co_await (iter::from(std::span<const std::string>(words)) |
                      iter::map([](const std::string& w) { return w.size(); }) | iter::collect());
        CHECK(lengths == std::vector<std::size_t>{1, 2, 3});
        CHECK(words == std::vector<std::string>{"a", "bb", "ccc"});

        // Items that are always ready: draining them still lets another task run.
        std::atomic<bool> other_ran{false};
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([](std::atomic<bool>* flag) -> task<void> {
                flag->store(true);
                co_return;
            }(&other_ran));
            auto many = iter::from(conf::numbers(1000000));
            int pulled = 0;
            while (!other_ran.load() && co_await many.next()) ++pulled;
            CHECK(other_ran.load());
            CHECK(pulled < 1000000);
        });
        auto empty = iter::from(std::vector<int>{});
        CHECK(!(co_await empty.next()).has_value());
    });
}
