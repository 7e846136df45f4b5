// Async iteration: the sequential combinators, their callables (plain, async,
// capturing), failures and the fused end.
//
// Pipelines are built into a named variable before they are awaited: GCC 12
// destroys a temporary with a destructor twice when it is created inside a
// co_await operand (docs/compilers.md).
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <utility>
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

// Counts how many items were asked of it, to show what a combinator pulls.
generator<int> counted(int n, int* pulled) {
    for (int i = 0; i < n; ++i) {
        ++*pulled;
        co_yield i;
    }
}

generator<int> fail_after(int n) {
    for (int i = 0; i < n; ++i) co_yield i;
    throw std::runtime_error("source failed");
}

template <AsyncIterator I>
task<std::vector<iter_value_t<I>>> drain(I it) {
    std::vector<iter_value_t<I>> items;
    while (auto item = co_await it.next()) items.push_back(std::move(*item));
    co_return items;
}

// Drains `it`, then checks that three more next() calls all report the end.
template <AsyncIterator I>
task<bool> ends_and_stays_ended(I it) {
    while (co_await it.next()) {
    }
    for (int i = 0; i < 3; ++i) {
        if (co_await it.next()) co_return false;
    }
    co_return true;
}

}  // namespace

TEST_CASE("iteration: filter_map yields the values its callable returns and skips the empty ones") {
    conf::run([]() -> task<void> {
        auto pipeline = iter::from(std::views::iota(0, 10)) |
                        iter::filter_map([](int x) -> std::optional<std::string> {
                            if (x % 3 != 0) return std::nullopt;
                            return std::to_string(x);
                        }) |
                        iter::collect();
        auto items = co_await std::move(pipeline);
        CHECK(items == std::vector<std::string>{"0", "3", "6", "9"});
    });
}

TEST_CASE("iteration: skip drops the first n items and passes on the rest") {
    conf::run([]() -> task<void> {
        auto some = iter::from(std::views::iota(0, 5)) | iter::skip(2) | iter::collect();
        const auto some_items = co_await std::move(some);
        CHECK(some_items == std::vector<int>{2, 3, 4});
        auto none = iter::from(std::views::iota(0, 2)) | iter::skip(5) | iter::collect();
        const auto no_items = co_await std::move(none);
        CHECK(no_items.empty());
        auto all = iter::from(std::views::iota(0, 3)) | iter::skip(0) | iter::collect();
        const auto all_items = co_await std::move(all);
        CHECK(all_items == std::vector<int>{0, 1, 2});
    });
}

TEST_CASE("iteration: take and take_while pull nothing beyond what they need") {
    conf::run([]() -> task<void> {
        int pulled = 0;
        auto first3 = counted(10, &pulled) | iter::take(3) | iter::collect();
        const auto taken = co_await std::move(first3);
        CHECK(taken == std::vector<int>{0, 1, 2});
        CHECK(pulled == 3);

        pulled = 0;
        auto below4 =
            counted(10, &pulled) | iter::take_while([](int x) { return x < 4; }) | iter::collect();
        const auto prefix = co_await std::move(below4);
        CHECK(prefix == std::vector<int>{0, 1, 2, 3});
        CHECK(pulled == 5);  // the first failing item ends it
    });
}

TEST_CASE("iteration: chain yields the first source's items, then the second's") {
    conf::run([]() -> task<void> {
        int pulled_second = 0;
        auto both = iter::chain(iter::from(std::views::iota(0, 3)), counted(2, &pulled_second));
        CHECK(co_await both.next() == std::optional<int>(0));
        CHECK(pulled_second == 0);  // untouched while the first has items
        auto rest = co_await drain(std::move(both));
        CHECK(rest == std::vector<int>{1, 2, 0, 1});

        auto piped =
            slow_count(2) | iter::chain(iter::from(std::views::iota(0, 2))) | iter::collect();
        const auto piped_items = co_await std::move(piped);
        CHECK(piped_items == std::vector<int>{0, 1, 0, 1});
    });
}

TEST_CASE("iteration: zip pairs the items of two sources and ends with the shorter one") {
    conf::run([]() -> task<void> {
        auto words = []() -> generator<std::string> {
            co_yield "a";
            co_yield "b";
            co_yield "c";
        };
        auto pairs = iter::from(std::views::iota(0, 10)) | iter::zip(words()) | iter::collect();
        auto items = co_await std::move(pairs);
        REQUIRE(items.size() == 3);
        CHECK(items[0] == std::pair<int, std::string>(0, "a"));
        CHECK(items[2] == std::pair<int, std::string>(2, "c"));

        auto shorter_first = iter::zip(slow_count(2), iter::from(std::views::iota(0, 10)));
        auto short_items = co_await drain(std::move(shorter_first));
        CHECK(short_items.size() == 2);
    });
}

TEST_CASE("iteration: chunks(n) yields vectors of n items and a final partial chunk") {
    conf::run([]() -> task<void> {
        auto pipeline = iter::from(std::views::iota(0, 7)) | iter::chunks(3) | iter::collect();
        auto items = co_await std::move(pipeline);
        CHECK(items == std::vector<std::vector<int>>{{0, 1, 2}, {3, 4, 5}, {6}});

        auto exact = iter::from(std::views::iota(0, 4)) | iter::chunks(2) | iter::collect();
        const auto exact_items = co_await std::move(exact);
        CHECK(exact_items == std::vector<std::vector<int>>{{0, 1}, {2, 3}});

        auto empty = iter::from(std::views::iota(0, 0)) | iter::chunks(2) | iter::collect();
        const auto no_chunks = co_await std::move(empty);
        CHECK(no_chunks.empty());  // never an empty chunk
    });
}

TEST_CASE("iteration: chunks yields the partial chunk before the source's exception") {
    conf::run([]() -> task<void> {
        auto it = fail_after(5) | iter::chunks(3);
        const auto full = co_await it.next();
        CHECK(full == std::optional<std::vector<int>>({0, 1, 2}));
        const auto partial = co_await it.next();
        CHECK(partial == std::optional<std::vector<int>>({3, 4}));
        CHECK_THROWS_WITH_AS(co_await it.next(), "source failed", std::runtime_error);
        CHECK_FALSE((co_await it.next()).has_value());
    });
}

TEST_CASE("iteration: flatten yields the items of inner iterators and of inner ranges, in order") {
    conf::run([]() -> task<void> {
        auto nested = iter::from(std::views::iota(0, 4)) |
                      iter::map([](int n) { return slow_count(n); }) | iter::flatten() |
                      iter::collect();
        const auto nested_items = co_await std::move(nested);
        CHECK(nested_items == std::vector<int>{0, 0, 1, 0, 1, 2});

        auto round_trip = iter::from(std::views::iota(0, 7)) | iter::chunks(3) | iter::flatten() |
                          iter::collect();
        const auto flat = co_await std::move(round_trip);
        CHECK(flat == std::vector<int>{0, 1, 2, 3, 4, 5, 6});

        auto strings = []() -> generator<std::vector<std::string>> {
            std::vector<std::vector<std::string>> groups{{"x", "y"}, {}, {"z"}};
            for (auto& group : groups) co_yield std::move(group);
        };
        auto moved = strings() | iter::flatten() | iter::collect();
        const auto letters = co_await std::move(moved);
        CHECK(letters == std::vector<std::string>{"x", "y", "z"});
    });
}

TEST_CASE("iteration: scan yields every intermediate accumulator") {
    conf::run([]() -> task<void> {
        auto sums = iter::from(std::views::iota(0, 5)) |
                    iter::scan(0, [](int acc, int x) { return acc + x; }) | iter::collect();
        const auto running_sums = co_await std::move(sums);
        CHECK(running_sums == std::vector<int>{0, 1, 3, 6, 10});

        auto words = iter::from(std::views::iota(0, 3)) |
                     iter::scan(std::string(), [](const std::string& acc,
                                                  int x) { return acc + std::to_string(x); }) |
                     iter::collect();
        const auto prefixes = co_await std::move(words);
        CHECK(prefixes == std::vector<std::string>{"0", "01", "012"});
    });
}

TEST_CASE("iteration: inspect sees every item and passes it on unchanged") {
    conf::run([]() -> task<void> {
        std::vector<int> seen;
        auto pipeline = iter::from(std::views::iota(0, 4)) |
                        iter::inspect([&seen](const int& x) { seen.push_back(x); }) |
                        iter::map([](int x) { return x * 10; }) | iter::collect();
        const auto passed = co_await std::move(pipeline);
        CHECK(passed == std::vector<int>{0, 10, 20, 30});
        CHECK(seen == std::vector<int>{0, 1, 2, 3});
    });
}

TEST_CASE("iteration: enumerate, fold and for_each see every item in order") {
    conf::run([]() -> task<void> {
        auto numbered = slow_count(3) | iter::map([](int x) { return x * 2; }) | iter::enumerate() |
                        iter::collect();
        auto pairs = co_await std::move(numbered);
        REQUIRE(pairs.size() == 3);
        CHECK(pairs[2] == std::pair<std::size_t, int>(2, 4));

        auto folding = iter::from(std::views::iota(0, 5)) |
                       iter::fold(std::string(), [](const std::string& acc, int x) {
                           return acc + std::to_string(x);
                       });
        const std::string folded = co_await std::move(folding);
        CHECK(folded == "01234");

        std::vector<int> visited;
        auto visiting = iter::from(std::views::iota(0, 3)) |
                        iter::for_each([&visited](int x) { visited.push_back(x); });
        co_await std::move(visiting);
        CHECK(visited == std::vector<int>{0, 1, 2});
    });
}

TEST_CASE("iteration: every combinator is fused: after the end, next() keeps returning the end") {
    conf::run([]() -> task<void> {
        auto id = [](int x) { return x; };
        auto keep = [](int) { return true; };
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) | iter::map(id)));
        CHECK(
            co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) | iter::filter(keep)));
        CHECK(co_await ends_and_stays_ended(
            iter::from(std::views::iota(0, 3)) |
            iter::filter_map([](int x) { return std::optional<int>(x); })));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) | iter::take(2)));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) |
                                            iter::take_while(keep)));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) | iter::skip(1)));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) |
                                            iter::chain(iter::from(std::views::iota(0, 1)))));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) |
                                            iter::zip(iter::from(std::views::iota(0, 5)))));
        CHECK(
            co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) | iter::enumerate()));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) | iter::chunks(2)));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) | iter::chunks(2) |
                                            iter::flatten()));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) |
                                            iter::scan(0, [](int a, int x) { return a + x; })));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) |
                                            iter::inspect([](const int&) {})));
        CHECK(co_await ends_and_stays_ended(iter::from(std::views::iota(0, 3)) |
                                            iter::throttle(0ms)));
    });
}

TEST_CASE("iteration: async closures work as the callable of every combinator") {
    conf::run([]() -> task<void> {
        int step = 1;  // captured by copy and read after a suspension
        auto slow_keep = [step](int x) -> task<bool> {
            (void)co_await sleep_for(1ms);
            co_return x % 2 == step % 2;
        };
        auto odd = iter::from(std::views::iota(0, 6)) | iter::filter(slow_keep) | iter::collect();
        const auto odd_items = co_await std::move(odd);
        CHECK(odd_items == std::vector<int>{1, 3, 5});

        auto halves = iter::from(std::views::iota(0, 6)) |
                      iter::filter_map([step](int x) -> task<std::optional<int>> {
                          (void)co_await yield_now();
                          if (x % 2 == step) co_return std::nullopt;
                          co_return x / 2;
                      }) |
                      iter::collect();
        const auto half_items = co_await std::move(halves);
        CHECK(half_items == std::vector<int>{0, 1, 2});

        auto prefix = iter::from(std::views::iota(0, 6)) |
                      iter::take_while([step](int x) -> task<bool> {
                          (void)co_await sleep_for(1ms);
                          co_return x < 3 * step;
                      }) |
                      iter::collect();
        const auto prefix_items = co_await std::move(prefix);
        CHECK(prefix_items == std::vector<int>{0, 1, 2});

        int inspected = 0;
        auto running = iter::from(std::views::iota(0, 4)) |
                       iter::inspect([&inspected](const int& x) -> task<void> {
                           (void)co_await sleep_for(1ms);
                           inspected += x;
                       }) |
                       iter::scan(0,
                                  [step](int acc, int x) -> task<int> {
                                      (void)co_await yield_now();
                                      co_return acc + x* step;
                                  }) |
                       iter::collect();
        const auto running_items = co_await std::move(running);
        CHECK(running_items == std::vector<int>{0, 1, 3, 6});
        CHECK(inspected == 6);

        auto total =
            iter::from(std::views::iota(0, 4)) | iter::fold(0, [step](int acc, int x) -> task<int> {
                (void)co_await sleep_for(1ms);
                co_return acc + x + step;
            });
        CHECK(co_await std::move(total) == 10);

        int visited = 0;
        auto visiting =
            iter::from(std::views::iota(0, 3)) | iter::for_each([&visited](int x) -> task<void> {
                (void)co_await sleep_for(1ms);
                visited += x + 1;
            });
        co_await std::move(visiting);
        CHECK(visited == 6);
    });
}

TEST_CASE(
    "iteration: an exception from a combinator's callable reaches the consumer and ends the "
    "iteration") {
    conf::run([]() -> task<void> {
        auto boom = [](int x) -> int {
            if (x == 2) throw std::runtime_error("callable failed");
            return x;
        };
        auto async_boom = [](int x) -> task<int> {
            (void)co_await sleep_for(1ms);
            if (x == 2) throw std::runtime_error("callable failed");
            co_return x;
        };

        auto mapped = iter::from(std::views::iota(0, 5)) | iter::map(boom);
        CHECK(co_await mapped.next() == std::optional<int>(0));
        CHECK(co_await mapped.next() == std::optional<int>(1));
        CHECK_THROWS_WITH_AS(co_await mapped.next(), "callable failed", std::runtime_error);
        CHECK_FALSE((co_await mapped.next()).has_value());

        auto async_mapped = iter::from(std::views::iota(0, 5)) | iter::map(async_boom);
        CHECK(co_await async_mapped.next() == std::optional<int>(0));
        CHECK(co_await async_mapped.next() == std::optional<int>(1));
        CHECK_THROWS_WITH_AS(co_await async_mapped.next(), "callable failed", std::runtime_error);
        CHECK_FALSE((co_await async_mapped.next()).has_value());

        auto filtered = iter::from(std::views::iota(0, 5)) |
                        iter::filter([&boom](int x) { return boom(x) >= 0; });
        auto filtered_items = drain(std::move(filtered));
        CHECK_THROWS_AS(co_await std::move(filtered_items), std::runtime_error);

        auto filter_mapped = iter::from(std::views::iota(0, 5)) | iter::filter_map([&boom](int x) {
                                 return std::optional<int>(boom(x));
                             });
        auto filter_mapped_items = drain(std::move(filter_mapped));
        CHECK_THROWS_AS(co_await std::move(filter_mapped_items), std::runtime_error);

        auto inspected = iter::from(std::views::iota(0, 5)) |
                         iter::inspect([&boom](const int& x) { (void)boom(x); });
        auto inspected_items = drain(std::move(inspected));
        CHECK_THROWS_AS(co_await std::move(inspected_items), std::runtime_error);

        auto scanned = iter::from(std::views::iota(0, 5)) |
                       iter::scan(0, [&boom](int, int x) { return boom(x); });
        auto scanned_items = drain(std::move(scanned));
        CHECK_THROWS_AS(co_await std::move(scanned_items), std::runtime_error);

        auto folded = iter::from(std::views::iota(0, 5)) |
                      iter::fold(0, [&async_boom](int, int x) { return async_boom(x); });
        CHECK_THROWS_AS(co_await std::move(folded), std::runtime_error);

        auto visited =
            iter::from(std::views::iota(0, 5)) | iter::for_each([&boom](int x) { (void)boom(x); });
        CHECK_THROWS_AS(co_await std::move(visited), std::runtime_error);
    });
}

TEST_CASE("iteration: an exception from the source passes through every combinator") {
    conf::run([]() -> task<void> {
        auto through = fail_after(2) | iter::map([](int x) { return x; }) |
                       iter::filter([](int) { return true; }) | iter::skip(0) | iter::enumerate() |
                       iter::inspect([](const std::pair<std::size_t, int>&) {});
        CHECK((co_await through.next()).has_value());
        CHECK((co_await through.next()).has_value());
        CHECK_THROWS_WITH_AS(co_await through.next(), "source failed", std::runtime_error);
        CHECK_FALSE((co_await through.next()).has_value());

        auto zipped = iter::zip(iter::from(std::views::iota(0, 5)), fail_after(1));
        CHECK((co_await zipped.next()).has_value());
        CHECK_THROWS_AS(co_await zipped.next(), std::runtime_error);
    });
}

namespace {
// Builds a pipeline whose callables own the only references to their state: this
// function's locals are gone by the time the pipeline runs.
auto decorated(std::weak_ptr<std::string>* watch) {
    auto suffix = std::make_shared<std::string>("!");
    *watch = suffix;
    const std::string prefix = "#";
    return slow_count(3) | iter::map([prefix](int x) -> task<std::string> {
               (void)co_await sleep_for(1ms);  // the capture is used after a suspension
               co_return prefix + std::to_string(x);
           }) |
           iter::map([suffix = std::move(suffix)](const std::string& s) { return s + *suffix; }) |
           iter::filter([prefix](const std::string& s) -> task<bool> {
               (void)co_await yield_now();
               co_return s.starts_with(prefix);
           });
}
}  // namespace

TEST_CASE(
    "iteration: lambdas passed to combinators keep their captures alive until the iterator is "
    "gone") {
    conf::run([]() -> task<void> {
        std::weak_ptr<std::string> watch;
        {
            auto it = decorated(&watch);
            const auto first = co_await it.next();
            CHECK(first == std::optional<std::string>("#0!"));
            CHECK_FALSE(watch.expired());  // held by the pipeline's lambda, nowhere else
            auto rest = co_await drain(std::move(it));
            CHECK(rest == std::vector<std::string>{"#1!", "#2!"});
        }
        CHECK(watch.expired());  // and released with it
    });
}
