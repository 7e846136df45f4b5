// any_iterator<T>: type erasure for async iterators behind non-template interfaces.
#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "interop/channels.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

static_assert(AsyncIterator<any_iterator<int>>);
static_assert(AsyncIterator<any_iterator<std::unique_ptr<int>>>);

namespace {

// A non-template interface: whatever the caller built, it arrives as one type.
task<std::vector<int>> sum_pairs(any_iterator<int> numbers) {
    std::vector<int> sums;
    for (;;) {
        auto a = co_await numbers.next();
        if (!a) break;
        auto b = co_await numbers.next();
        sums.push_back(*a + b.value_or(0));
    }
    co_return sums;
}

any_iterator<std::string> labelled(any_iterator<int> in, std::string label) {
    return std::move(in) |
           iter::map([label = std::move(label)](int x) { return label + std::to_string(x); });
}

}  // namespace

TEST_CASE("iteration: any_iterator carries any async iterator behind one type") {
    conf::run([]() -> task<void> {
        auto from_generator = co_await sum_pairs(iter::from(conf::numbers(5)));
        CHECK(from_generator == std::vector<int>{1, 5, 4});

        auto from_pipeline = co_await sum_pairs(iter::from(conf::numbers(10)) |
                                                iter::filter([](int x) { return x % 3 == 0; }));
        CHECK(from_pipeline == std::vector<int>{3, 15});

        auto [tx, rx] = mpsc::unbounded<int>();
        for (int i = 1; i <= 3; ++i) (void)tx.try_send(i * 10);
        { auto drop = std::move(tx); }
        auto from_channel = co_await sum_pairs(std::move(rx));
        CHECK(from_channel == std::vector<int>{30, 30});

        auto slow = [](int x) -> task<int> {
            (void)co_await sleep_for(1ms);
            co_return x;
        };
        auto from_concurrent =
            co_await sum_pairs(iter::from(conf::numbers(4)) | iter::buffered(2, slow));
        CHECK(from_concurrent == std::vector<int>{1, 5});

        // Erased iterators compose like any other, and convert between value types.
        auto names = labelled(iter::from(conf::numbers(3)), "n");
        auto collected = iter::collect(std::move(names));
        const auto name_items = co_await std::move(collected);
        CHECK(name_items == std::vector<std::string>{"n0", "n1", "n2"});

        any_iterator<long> widened = any_iterator<int>(iter::from(conf::numbers(2)));
        CHECK(co_await widened.next() == std::optional<long>(0L));

        std::vector<any_iterator<int>> parts;
        parts.emplace_back(iter::from(conf::numbers(2)));
        parts.emplace_back(iter::from(conf::numbers(3)) | iter::map([](int x) { return x + 10; }));
        auto merged = iter::merge(std::move(parts)) | iter::collect();
        auto all = co_await std::move(merged);
        std::sort(all.begin(), all.end());
        CHECK(all == std::vector<int>{0, 1, 10, 11, 12});
    });
}

TEST_CASE(
    "iteration: any_iterator keeps the contract: a fused end, exceptions to the consumer, "
    "move-only items") {
    conf::run([]() -> task<void> {
        any_iterator<int> empty;
        CHECK_FALSE((co_await empty.next()).has_value());
        CHECK_FALSE((co_await empty.next()).has_value());

        any_iterator<int> short_one = iter::from(conf::numbers(1));
        CHECK(co_await short_one.next() == std::optional<int>(0));
        for (int i = 0; i < 3; ++i) CHECK_FALSE((co_await short_one.next()).has_value());

        any_iterator<int> failing = []() -> generator<int> {
            co_yield 1;
            throw std::runtime_error("erased source failed");
        }();
        CHECK(co_await failing.next() == std::optional<int>(1));
        CHECK_THROWS_WITH_AS(co_await failing.next(), "erased source failed", std::runtime_error);
        CHECK_FALSE((co_await failing.next()).has_value());

        any_iterator<std::unique_ptr<int>> boxes =
            iter::from(conf::numbers(2)) |
            iter::map([](int x) { return std::make_unique<int>(x); });
        auto moved = std::move(boxes);  // moving the handle never moves the erased iterator
        auto box = co_await moved.next();
        REQUIRE(box.has_value());
        CHECK(**box == 0);
        // NOLINTNEXTLINE(bugprone-use-after-move): a moved-from any_iterator is at its end
        CHECK_FALSE((co_await boxes.next()).has_value());
    });
}
