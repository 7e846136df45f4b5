// Async iteration against the clock: throttle, chunks_timeout, and the timing of
// the concurrent combinators. Exact timings run on virtual time (where a backend
// offers it); the same behaviours are checked in real time, with generous bounds,
// on every backend.
#include <chrono>
#include <optional>
#include <vector>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

// Yields value i once `at[i]` has passed since it started; ends at `end`.
generator<int> timed(std::vector<duration> at, duration end) {
    const time_point start = co_await now();
    for (std::size_t i = 0; i < at.size(); ++i) {
        (void)co_await sleep_until(start + at[i]);
        co_yield static_cast<int>(i);
    }
    (void)co_await sleep_until(start + end);
}

}  // namespace

TEST_CASE(
    "iteration: throttle(d) spaces items by at least d, the first one immediately (virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        const time_point start = co_await now();
        auto it = iter::from(conf::numbers(4)) | iter::throttle(10ms);
        std::vector<duration> at;
        while (auto v = co_await it.next()) at.push_back(co_await now() - start);
        CHECK(at == std::vector<duration>{0ms, 10ms, 20ms, 30ms});

        // A consumer slower than the period does not wait again; the spacing
        // counts from when the previous item was passed on.
        const time_point t0 = co_await now();
        auto slow = iter::from(conf::numbers(3)) | iter::throttle(10ms);
        (void)co_await slow.next();
        (void)co_await sleep_for(25ms);
        (void)co_await slow.next();
        CHECK(co_await now() - t0 == 25ms);
        (void)co_await slow.next();
        CHECK(co_await now() - t0 == 35ms);

        // A source slower than the period sets the pace itself.
        const time_point t1 = co_await now();
        auto lagging = timed({0ms, 30ms, 60ms}, 60ms) | iter::throttle(10ms);
        std::vector<duration> lagging_at;
        while (auto v = co_await lagging.next()) lagging_at.push_back(co_await now() - t1);
        CHECK(lagging_at == std::vector<duration>{0ms, 30ms, 60ms});
    });
}

TEST_CASE("iteration: throttle(d) never passes on two items closer than d (real time)") {
    conf::run([]() -> task<void> {
        auto it = iter::from(conf::numbers(5)) | iter::throttle(5ms);
        std::vector<time_point> at;
        const time_point start = co_await now();
        while (auto v = co_await it.next()) at.push_back(co_await now());
        REQUIRE(at.size() == 5);
        CHECK(at[0] - start < 1s);  // the first one is not held back
        for (std::size_t i = 1; i < at.size(); ++i) CHECK(at[i] - at[i - 1] >= 5ms);
        CHECK(at.back() - start < 10s);
    });
}

TEST_CASE(
    "iteration: chunks_timeout(n, d) yields full chunks at once and a partial chunk d after its "
    "first item (virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        const time_point start = co_await now();
        auto it = timed({0ms, 0ms, 0ms, 5ms, 30ms, 31ms}, 100ms) | iter::chunks_timeout(3, 10ms);
        std::vector<std::vector<int>> chunks;
        std::vector<duration> at;
        while (auto chunk = co_await it.next()) {
            chunks.push_back(std::move(*chunk));
            at.push_back(co_await now() - start);
        }
        CHECK(chunks == std::vector<std::vector<int>>{{0, 1, 2}, {3}, {4, 5}});
        CHECK(at == std::vector<duration>{0ms, 15ms, 40ms});
        CHECK(co_await now() - start == 100ms);  // the end once the source ended

        // The final partial chunk comes when the source ends, before the deadline.
        const time_point t0 = co_await now();
        auto short_source = timed({0ms, 1ms}, 2ms) | iter::chunks_timeout(5, 10ms);
        const auto last = co_await short_source.next();
        CHECK(last == std::optional<std::vector<int>>({0, 1}));
        CHECK(co_await now() - t0 == 2ms);
        CHECK_FALSE((co_await short_source.next()).has_value());
    });
}

TEST_CASE(
    "iteration: chunks_timeout counts from an item's arrival even while the consumer is busy "
    "(virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        const time_point start = co_await now();
        auto it = timed({0ms, 12ms, 15ms, 25ms, 50ms}, 50ms) | iter::chunks_timeout(3, 10ms);
        std::vector<std::vector<int>> chunks;
        std::vector<duration> at;
        auto chunk = co_await it.next();
        chunks.push_back(std::move(*chunk));
        at.push_back(co_await now() - start);
        // Busy until 40 ms: items 1, 2 and 3 arrive at 12, 15 and 25 ms meanwhile.
        (void)co_await sleep_until(start + 40ms);
        while ((chunk = co_await it.next())) {
            chunks.push_back(std::move(*chunk));
            at.push_back(co_await now() - start);
        }
        // Item 1's chunk was due at 22 ms, so it goes out at once, without item 3,
        // which arrived after that and opens the next chunk (itself already due).
        CHECK(chunks == std::vector<std::vector<int>>{{0}, {1, 2}, {3}, {4}});
        CHECK(at == std::vector<duration>{10ms, 40ms, 40ms, 50ms});
    });
}

TEST_CASE(
    "iteration: chunks_timeout(n, d) cuts a chunk short after d and keeps full chunks prompt (real "
    "time)") {
    conf::run([]() -> task<void> {
        const time_point start = co_await now();
        auto full = iter::from(conf::numbers(4)) | iter::chunks_timeout(2, 1h);
        const auto first = co_await full.next();
        const auto second = co_await full.next();
        CHECK(first == std::optional<std::vector<int>>({0, 1}));
        CHECK(second == std::optional<std::vector<int>>({2, 3}));
        CHECK(co_await now() - start < 10s);  // nowhere near the hour

        const time_point t0 = co_await now();
        auto partial = timed({0ms, 0ms, 0ms, 60ms}, 60ms) | iter::chunks_timeout(10, 20ms);
        const auto cut = co_await partial.next();
        CHECK(cut == std::optional<std::vector<int>>({0, 1, 2}));
        CHECK(co_await now() - t0 >= 20ms);
        const auto rest = co_await partial.next();
        CHECK(rest == std::optional<std::vector<int>>(std::vector<int>{3}));
        CHECK_FALSE((co_await partial.next()).has_value());
        CHECK(co_await now() - t0 < 10s);
    });
}

TEST_CASE("iteration: concurrent combinators overlap their items in time (virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        auto sleepy = [](int i) -> task<int> {
            (void)co_await sleep_for(std::chrono::milliseconds((4 - i) * 10));
            co_return i;
        };

        time_point start = co_await now();
        auto unordered = iter::from(conf::numbers(4)) | iter::buffer_unordered(4, sleepy);
        std::vector<int> order;
        std::vector<duration> at;
        while (auto v = co_await unordered.next()) {
            order.push_back(*v);
            at.push_back(co_await now() - start);
        }
        CHECK(order == std::vector<int>{3, 2, 1, 0});
        CHECK(at == std::vector<duration>{10ms, 20ms, 30ms, 40ms});

        start = co_await now();
        auto ordered = iter::from(conf::numbers(4)) | iter::buffered(2, sleepy);
        order.clear();
        at.clear();
        while (auto v = co_await ordered.next()) {
            order.push_back(*v);
            at.push_back(co_await now() - start);
        }
        // 0 and 1 run together (40 and 30 ms); 2 starts when 0 has been taken.
        CHECK(order == std::vector<int>{0, 1, 2, 3});
        CHECK(at == std::vector<duration>{40ms, 40ms, 60ms, 60ms});

        start = co_await now();
        auto bodies =
            iter::from(conf::numbers(8)) |
            iter::for_each_concurrent(4, [](int) -> task<void> { (void)co_await sleep_for(10ms); });
        co_await std::move(bodies);
        CHECK(co_await now() - start == 20ms);

        // merge: items in arrival order across sources.
        start = co_await now();
        auto merged =
            iter::merge(timed({10ms, 20ms, 30ms}, 30ms),
                        timed({15ms, 35ms}, 35ms) | iter::map([](int x) { return x + 100; }));
        order.clear();
        at.clear();
        while (auto v = co_await merged.next()) {
            order.push_back(*v);
            at.push_back(co_await now() - start);
        }
        CHECK(order == std::vector<int>{0, 100, 1, 2, 101});
        CHECK(at == std::vector<duration>{10ms, 15ms, 20ms, 30ms, 35ms});
    });
}
