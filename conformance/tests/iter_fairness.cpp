// Async iteration and fairness: a combinator that always has an item ready still
// lets the other tasks of its runtime run.
//
// Each test drains a pipeline over a source that never suspends by itself and
// ends as soon as a second task has had three turns (or after a million items,
// which only a combinator that never yields would reach). The second task gets
// its turns because the combinators spend the cooperative budget per item; on a
// multi-threaded runtime it may also get them on another thread. Either way the
// check holds on every backend, and fails only if the runtime was monopolised.
#include <atomic>
#include <optional>
#include <vector>

#include "interop/conformance/suite.hpp"

using namespace interop;
namespace conf = interop::conformance;

namespace {

constexpr int wanted_turns = 3;

// Never suspends: only the combinators above it can give other tasks a turn.
generator<int> until_others_ran(const std::atomic<int>* turns, int limit = 1000000) {
    for (int i = 0; i < limit && turns->load() < wanted_turns; ++i) co_yield i;
}

task<void> take_turns(const std::atomic<bool>* done, std::atomic<int>* turns) {
    while (!done->load()) {
        ++*turns;
        (void)co_await yield_now();
    }
}

// Runs make(source) to its end next to take_turns; returns the turns taken.
template <typename Make>
task<int> turns_while_draining(Make make) {
    std::atomic<bool> done{false};
    std::atomic<int> turns{0};
    auto body = [&](scope& s) -> task<void> {
        s.spawn(take_turns(&done, &turns));
        auto draining = make(until_others_ran(&turns));
        if constexpr (AsyncIterator<decltype(draining)>) {
            while (co_await draining.next()) {
            }
        } else {
            (void)co_await std::move(draining);
        }
        done = true;
    };
    co_await with_scope(body);
    co_return turns.load();
}

}  // namespace

TEST_CASE("iteration: a combinator that always has a ready item still lets other tasks run") {
    conf::run([]() -> task<void> {
        auto chained = [](generator<int> source) {
            return std::move(source) | iter::map([](int x) { return x + 1; }) |
                   iter::filter([](int x) { return x % 2 == 0; }) |
                   iter::scan(0L, [](long a, int x) { return a + x; }) | iter::enumerate();
        };
        CHECK(co_await turns_while_draining(chained) >= wanted_turns);

        auto reshaped = [](generator<int> source) {
            return std::move(source) |
                   iter::filter_map([](int x) { return std::optional<int>(x); }) | iter::skip(1) |
                   iter::inspect([](const int&) {}) | iter::chunks(3) | iter::flatten() |
                   iter::take_while([](int) { return true; });
        };
        CHECK(co_await turns_while_draining(reshaped) >= wanted_turns);

        auto paired = [](generator<int> source) {
            return iter::zip(std::move(source) | iter::chain(generator<int>{}),
                             iter::take(
                                 []() -> generator<int> {
                                     for (int i = 0;; ++i) co_yield i;
                                 }(),
                                 2000000));
        };
        CHECK(co_await turns_while_draining(paired) >= wanted_turns);

        // Terminal combinators, straight on the source.
        auto folded = [](generator<int> source) {
            return std::move(source) | iter::fold(0L, [](long a, int x) { return a + x; });
        };
        CHECK(co_await turns_while_draining(folded) >= wanted_turns);
        auto visited = [](generator<int> source) {
            return std::move(source) | iter::for_each([](int) {});
        };
        CHECK(co_await turns_while_draining(visited) >= wanted_turns);
        auto collected = [](generator<int> source) { return std::move(source) | iter::collect(); };
        CHECK(co_await turns_while_draining(collected) >= wanted_turns);
    });
}

TEST_CASE(
    "iteration: a concurrent combinator whose items are always ready still lets other tasks run") {
    conf::run([]() -> task<void> {
        auto plain = [](int x) { return x; };
        auto at_once = [](int x) -> task<int> { co_return x; };

        auto unordered = [plain](generator<int> source) {
            return std::move(source) | iter::buffer_unordered(8, plain);
        };
        CHECK(co_await turns_while_draining(unordered) >= wanted_turns);
        auto ordered = [plain](generator<int> source) {
            return std::move(source) | iter::buffered(8, plain);
        };
        CHECK(co_await turns_while_draining(ordered) >= wanted_turns);
        auto ordered_tasks = [at_once](generator<int> source) {
            return std::move(source) | iter::buffered(8, at_once);
        };
        CHECK(co_await turns_while_draining(ordered_tasks) >= wanted_turns);
        auto merged = [](generator<int> source) {
            return iter::merge(std::move(source), generator<int>{});
        };
        CHECK(co_await turns_while_draining(merged) >= wanted_turns);
        auto batched = [](generator<int> source) {
            return std::move(source) | iter::chunks_timeout(4, std::chrono::hours(1));
        };
        CHECK(co_await turns_while_draining(batched) >= wanted_turns);
        auto concurrent = [plain](generator<int> source) {
            return std::move(source) |
                   iter::for_each_concurrent(4, [plain](int x) { (void)plain(x); });
        };
        CHECK(co_await turns_while_draining(concurrent) >= wanted_turns);
    });
}
