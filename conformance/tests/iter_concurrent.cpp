// Async iteration: the concurrent combinators (buffered, buffer_unordered,
// for_each_concurrent, merge). Their limits, their orders, failures,
// cancellation, and the stall of poll-driven designs that cannot happen here.
//
// Counters touched by items are atomics and logs are guarded: items are tasks and
// may run on several threads of a multi-threaded runtime.
#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "interop/channels.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

template <AsyncIterator I>
task<std::vector<iter_value_t<I>>> drain(I it) {
    std::vector<iter_value_t<I>> items;
    while (auto item = co_await it.next()) items.push_back(std::move(*item));
    co_return items;
}

void raise_max(std::atomic<int>& most, int value) {
    int seen = most.load();
    while (value > seen && !most.compare_exchange_weak(seen, value)) {
    }
}

// True once `t` has finished (timeout() wants a value to report).
task<bool> completes(task<void> t) {
    co_await std::move(t);
    co_return true;
}

// Waits (a bounded while) until `counter` reaches `target`.
task<void> wait_for_count(const std::atomic<int>& counter, int target) {
    for (int i = 0; i < 5000 && counter.load() < target; ++i) (void)co_await sleep_for(1ms);
}

}  // namespace

TEST_CASE(
    "iteration: buffer_unordered(n) never has more than n in flight and yields in completion "
    "order") {
    conf::run([]() -> task<void> {
        // In flight: from the start of an item until the consumer has taken its
        // result. So however slow the consumer, by the time it has received k items
        // at most k + n have started; and at most n run at once.
        std::atomic<int> started{0};
        std::atomic<int> running{0};
        std::atomic<int> most{0};
        auto work = [&](int i) -> task<int> {
            ++started;
            raise_max(most, ++running);
            (void)co_await sleep_for(std::chrono::milliseconds(1 + (i * 7) % 5));
            --running;
            co_return i;
        };
        auto it = iter::from(conf::numbers(20)) | iter::buffer_unordered(3, work);
        std::vector<int> got;
        while (auto v = co_await it.next()) {
            got.push_back(*v);
            CHECK(started.load() <= static_cast<int>(got.size()) + 3);
            // A slow consumer: finished items wait in their slots meanwhile.
            if (got.size() % 4 == 0) {
                (void)co_await sleep_for(10ms);
                CHECK(started.load() <= static_cast<int>(got.size()) + 3);
            }
        }
        CHECK(most.load() == 3);
        std::sort(got.begin(), got.end());
        std::vector<int> all(20);
        for (int i = 0; i < 20; ++i) all[static_cast<std::size_t>(i)] = i;
        CHECK(got == all);

        // Completion order, made deterministic: the consumer releases one item at a time.
        std::array<event, 4> go;
        auto gated = [&go](int i) -> task<int> {
            auto waiting = go[static_cast<std::size_t>(i)].wait();
            (void)co_await std::move(waiting);
            co_return i;
        };
        auto unordered = iter::from(conf::numbers(4)) | iter::buffer_unordered(4, gated);
        const std::array<int, 4> order{2, 0, 3, 1};
        go[2].set();
        for (std::size_t k = 0; k < order.size(); ++k) {
            auto v = co_await unordered.next();
            CHECK(v == std::optional<int>(order[k]));
            if (k + 1 < order.size()) go[static_cast<std::size_t>(order[k + 1])].set();
        }
        CHECK_FALSE((co_await unordered.next()).has_value());
    });
}

TEST_CASE("iteration: buffered(n) never has more than n in flight and yields in source order") {
    conf::run([]() -> task<void> {
        std::atomic<int> started{0};
        std::atomic<int> running{0};
        std::atomic<int> most{0};
        auto work = [&](int i) -> task<int> {
            ++started;
            raise_max(most, ++running);
            (void)co_await sleep_for(std::chrono::milliseconds(1 + (i * 7) % 5));
            --running;
            co_return i * 10;
        };
        auto it = iter::from(conf::numbers(20)) | iter::buffered(3, work);
        std::vector<int> got;
        while (auto v = co_await it.next()) {
            got.push_back(*v);
            CHECK(started.load() <= static_cast<int>(got.size()) + 3);
            if (got.size() % 4 == 0) {
                (void)co_await sleep_for(10ms);
                CHECK(started.load() <= static_cast<int>(got.size()) + 3);
            }
        }
        CHECK(most.load() == 3);
        std::vector<int> expected(20);
        for (int i = 0; i < 20; ++i) expected[static_cast<std::size_t>(i)] = i * 10;
        CHECK(got == expected);

        // The items complete in the order 2, 0, 3, 1 (each one releases the next),
        // and still come out in source order.
        std::array<event, 4> go;
        std::mutex log_mutex;
        std::vector<int> completed;
        const std::array<std::size_t, 4> after{3, 0, 0, 1};  // item i releases after[i]
        auto chained = [&](int i) -> task<int> {
            const auto index = static_cast<std::size_t>(i);
            auto waiting = go[index].wait();
            (void)co_await std::move(waiting);
            {
                std::lock_guard lock(log_mutex);
                completed.push_back(i);
            }
            if (i != 1) go[after[index]].set();
            co_return i;
        };
        go[2].set();
        auto ordered = iter::from(conf::numbers(4)) | iter::buffered(4, chained);
        auto items = co_await drain(std::move(ordered));
        CHECK(items == std::vector<int>{0, 1, 2, 3});
        std::lock_guard lock(log_mutex);
        CHECK(completed == std::vector<int>{2, 0, 3, 1});
    });
}

TEST_CASE("iteration: buffered(n) and buffer_unordered(n) run an iterator of tasks") {
    conf::run([]() -> task<void> {
        auto jobs = []() -> generator<task<std::string>> {
            for (int i = 0; i < 5; ++i) {
                task<std::string> job = [](int n) -> task<std::string> {
                    (void)co_await sleep_for(std::chrono::milliseconds(5 - n));
                    co_return std::string(static_cast<std::size_t>(n), 'x');
                }(i);
                co_yield std::move(job);
            }
        };
        auto in_order = jobs() | iter::buffered(2);
        auto ordered = co_await drain(std::move(in_order));
        CHECK(ordered == std::vector<std::string>{"", "x", "xx", "xxx", "xxxx"});

        auto as_ready = jobs() | iter::buffer_unordered(5);
        auto unordered = co_await drain(std::move(as_ready));
        std::sort(unordered.begin(), unordered.end());
        CHECK(unordered == std::vector<std::string>{"", "x", "xx", "xxx", "xxxx"});
    });
}

TEST_CASE("iteration: a buffered item may take its argument by reference") {
    conf::run([]() -> task<void> {
        auto words = []() -> generator<std::string> {
            for (int i = 1; i <= 6; ++i)
                co_yield std::string(static_cast<std::size_t>(i) * 10, 'w');
        };
        // The item must outlive the task that refers to it, well after the source
        // has moved on to the next one.
        auto sizes = words() | iter::buffered(3, [](const std::string& s) -> task<std::size_t> {
                         (void)co_await sleep_for(2ms);
                         co_return s.size();
                     });
        auto got = co_await drain(std::move(sizes));
        CHECK(got == std::vector<std::size_t>{10, 20, 30, 40, 50, 60});

        std::atomic<std::size_t> total{0};
        auto summing =
            words() | iter::for_each_concurrent(3, [&total](const std::string& s) -> task<void> {
                (void)co_await sleep_for(2ms);
                total += s.size();
            });
        co_await std::move(summing);
        CHECK(total.load() == 210);
    });
}

TEST_CASE(
    "iteration: a concurrency limit of 0 is rejected when the combinator is built, never by a "
    "hang") {
    conf::run([]() -> task<void> {
        auto work = [](int x) -> task<int> { co_return x; };
        auto body = [](int) -> task<void> { co_return; };
        auto tasks = []() -> generator<task<int>> { co_return; };
        CHECK_THROWS_AS(iter::buffered(0), std::invalid_argument);
        CHECK_THROWS_AS(iter::buffered(0, work), std::invalid_argument);
        CHECK_THROWS_AS((void)iter::buffered(tasks(), 0), std::invalid_argument);
        CHECK_THROWS_AS((void)iter::buffered(iter::from(conf::numbers(3)), 0, work),
                        std::invalid_argument);
        CHECK_THROWS_AS(iter::buffer_unordered(0), std::invalid_argument);
        CHECK_THROWS_AS(iter::buffer_unordered(0, work), std::invalid_argument);
        CHECK_THROWS_AS((void)iter::buffer_unordered(tasks(), 0), std::invalid_argument);
        CHECK_THROWS_AS((void)iter::buffer_unordered(iter::from(conf::numbers(3)), 0, work),
                        std::invalid_argument);
        CHECK_THROWS_AS(iter::for_each_concurrent(0, body), std::invalid_argument);
        CHECK_THROWS_AS((void)iter::for_each_concurrent(iter::from(conf::numbers(3)), 0, body),
                        std::invalid_argument);
        CHECK_THROWS_AS(iter::chunks(0), std::invalid_argument);
        CHECK_THROWS_AS((void)iter::chunks(iter::from(conf::numbers(3)), 0), std::invalid_argument);
        CHECK_THROWS_AS(iter::chunks_timeout(0, 1ms), std::invalid_argument);
        CHECK_THROWS_AS((void)iter::chunks_timeout(iter::from(conf::numbers(3)), 0, 1ms),
                        std::invalid_argument);
        co_return;
    });
}

TEST_CASE(
    "iteration: a consumer busy elsewhere does not stall in-flight items (the buffered-streams "
    "deadlock cannot happen)") {
    // The consumer takes one item, then waits for something that only the other
    // in-flight items can bring about, without calling next(). A design that runs
    // items only while the consumer polls the stream deadlocks here; the timeout
    // turns such a deadlock into a failed check instead of a hang.
    conf::run([]() -> task<void> {
        for (bool ordered : {true, false}) {
            event released;
            event all_progressed;
            std::atomic<int> progressed{0};
            auto work = [&](int i) -> task<int> {
                if (i == 0) co_return 0;
                auto waiting = released.wait();
                (void)co_await std::move(waiting);
                if (++progressed == 3) all_progressed.set();
                co_return i;
            };
            auto it = ordered ? iter::buffered(iter::from(conf::numbers(4)), 4, work)
                              : iter::buffer_unordered(iter::from(conf::numbers(4)), 4, work);
            const auto first = co_await it.next();
            CHECK(first == std::optional<int>(0));
            released.set();
            auto busy = timeout(10s, all_progressed.wait());
            auto waited = co_await std::move(busy);
            CHECK(waited.has_value());
            auto rest = co_await drain(std::move(it));
            std::sort(rest.begin(), rest.end());
            CHECK(rest == std::vector<int>{1, 2, 3});
        }

        // The same with a lock the items and the consumer both take: an item that
        // has been handed the lock finishes with it even while the consumer waits
        // for the lock instead of calling next().
        for (bool ordered : {true, false}) {
            async_mutex lock;
            auto work = [&lock](int i) -> task<int> {
                auto locking = lock.lock();
                auto guard = co_await std::move(locking);
                (void)co_await sleep_for(1ms);  // held across a suspension
                co_return i;
            };
            auto consume = [&lock](generator<int> items) -> task<int> {
                int seen = 0;
                while (auto item = co_await items.next()) {
                    auto locking = lock.lock();
                    auto guard = co_await std::move(locking);
                    (void)co_await sleep_for(1ms);
                    ++seen;
                }
                co_return seen;
            };
            auto items = ordered ? iter::buffered(iter::from(conf::numbers(8)), 4, work)
                                 : iter::buffer_unordered(iter::from(conf::numbers(8)), 4, work);
            auto consuming = timeout(10s, consume(std::move(items)));
            auto seen = co_await std::move(consuming);
            CHECK(seen.has_value());
            CHECK(seen.value_or(0) == 8);
        }

        // merge: the sources are drained while the consumer is busy.
        {
            event released;
            event all_progressed;
            std::atomic<int> progressed{0};
            auto ready = []() -> generator<int> { co_yield 0; };
            auto gated = [](event* go, event* all, std::atomic<int>* count,
                            int id) -> generator<int> {
                auto waiting = go->wait();
                (void)co_await std::move(waiting);
                if (++*count == 2) all->set();
                co_yield id;
            };
            auto merged = iter::merge(ready(), gated(&released, &all_progressed, &progressed, 1),
                                      gated(&released, &all_progressed, &progressed, 2));
            const auto first = co_await merged.next();
            CHECK(first == std::optional<int>(0));
            released.set();
            auto busy = timeout(10s, all_progressed.wait());
            auto waited = co_await std::move(busy);
            CHECK(waited.has_value());
            auto rest = co_await drain(std::move(merged));
            std::sort(rest.begin(), rest.end());
            CHECK(rest == std::vector<int>{1, 2});
        }
    });
}

TEST_CASE(
    "iteration: for_each_concurrent(n) runs at most n bodies at once and finishes after all of "
    "them") {
    conf::run([]() -> task<void> {
        std::atomic<int> running{0};
        std::atomic<int> most{0};
        std::atomic<int> finished{0};
        auto body = [&](int i) -> task<void> {
            raise_max(most, ++running);
            (void)co_await sleep_for(std::chrono::milliseconds(1 + i % 3));
            --running;
            ++finished;
        };
        auto all = iter::from(conf::numbers(20)) | iter::for_each_concurrent(4, body);
        co_await std::move(all);
        CHECK(most.load() == 4);
        CHECK(finished.load() == 20);
        CHECK(running.load() == 0);

        // The bodies really run together: the first three wait for the fourth.
        event released;
        std::atomic<int> done{0};
        auto together =
            iter::from(conf::numbers(4)) | iter::for_each_concurrent(4, [&](int i) -> task<void> {
                if (i == 3) {
                    released.set();
                } else {
                    auto waiting = released.wait();
                    (void)co_await std::move(waiting);
                }
                ++done;
            });
        auto bounded = timeout(10s, completes(std::move(together)));
        auto ran = co_await std::move(bounded);
        CHECK(ran.has_value());
        CHECK(done.load() == 4);
    });
}

TEST_CASE(
    "iteration: cancelling a task that awaits for_each_concurrent cancels every body and finishes "
    "only after all of them") {
    conf::run([]() -> task<void> {
        std::atomic<int> started{0};
        std::atomic<int> unwound{0};
        auto handle = co_await spawn(
            [](std::atomic<int>* begun, std::atomic<int>* ended) -> task<void> {
                auto body = [begun, ended](int) -> task<void> {
                    begun->fetch_add(1);
                    struct count_on_exit {
                        std::atomic<int>* n;
                        ~count_on_exit() { n->fetch_add(1); }
                    } guard{ended};
                    (void)co_await sleep_for(24h);
                };
                auto all = iter::from(conf::numbers(10)) | iter::for_each_concurrent(4, body);
                co_await std::move(all);
            },
            &started, &unwound);
        co_await wait_for_count(started, 4);
        handle.cancel();
        auto result = co_await handle;
        CHECK(result.is(std::errc::operation_canceled));
        CHECK(started.load() == 4);  // no body starts after the cancellation
        CHECK(unwound.load() == 4);  // every body had finished when the task did
    });
}

TEST_CASE(
    "iteration: for_each_concurrent rethrows a body's exception after cancelling and joining the "
    "others") {
    conf::run([]() -> task<void> {
        std::atomic<int> cancelled{0};
        std::atomic<int> started{0};
        auto body = [&](int i) -> task<void> {
            ++started;
            if (i == 2) {
                co_await wait_for_count(started, 4);  // all four are running
                throw std::runtime_error("body failed");
            }
            auto slept = co_await sleep_for(1h);
            if (!slept) ++cancelled;
        };
        auto all = iter::from(conf::numbers(100)) | iter::for_each_concurrent(4, body);
        CHECK_THROWS_WITH_AS(co_await std::move(all), "body failed", std::runtime_error);
        CHECK(started.load() == 4);    // no new body after the failure
        CHECK(cancelled.load() == 3);  // every other body was cancelled and had finished
    });
}

TEST_CASE(
    "iteration: a concurrent iterator delivers a failed item in its position, after cancelling and "
    "joining the rest") {
    conf::run([]() -> task<void> {
        for (bool ordered : {true, false}) {
            std::atomic<int> sleeping{0};
            std::atomic<int> cancelled{0};
            auto work = [&](int i) -> task<int> {
                if (i == 0) (void)co_await sleep_for(5ms);
                if (i == 1) throw std::runtime_error("item failed");
                if (i >= 2) {
                    ++sleeping;
                    auto slept = co_await sleep_for(1h);
                    if (!slept) ++cancelled;
                }
                co_return i;
            };
            auto it = ordered ? iter::buffered(iter::from(conf::numbers(4)), 4, work)
                              : iter::buffer_unordered(iter::from(conf::numbers(4)), 4, work);
            if (ordered) {
                const auto first = co_await it.next();  // before the failure in source order
                CHECK(first == std::optional<int>(0));
            }
            CHECK_THROWS_WITH_AS(co_await it.next(), "item failed", std::runtime_error);
            // Every item still running was cancelled and had finished by then (and
            // none can start any more). Which ones had started depends on timing.
            CHECK(cancelled.load() == sleeping.load());
            CHECK_FALSE((co_await it.next()).has_value());
        }

        // A failing source: the items before the failure come first.
        auto failing = []() -> generator<int> {
            co_yield 1;
            co_yield 2;
            throw std::runtime_error("source failed");
        };
        auto slow_double = [](int x) -> task<int> {
            (void)co_await sleep_for(1ms);
            co_return x * 2;
        };
        auto it = failing() | iter::buffered(4, slow_double);
        CHECK(co_await it.next() == std::optional<int>(2));
        CHECK(co_await it.next() == std::optional<int>(4));
        CHECK_THROWS_WITH_AS(co_await it.next(), "source failed", std::runtime_error);
        CHECK_FALSE((co_await it.next()).has_value());
    });
}

TEST_CASE(
    "iteration: cancelling the consumer cancels and joins a concurrent iterator's in-flight "
    "items") {
    conf::run([]() -> task<void> {
        std::atomic<int> started{0};
        std::atomic<int> finished{0};
        std::atomic<int> cancelled{0};
        bool ended = false;
        auto work = [&](int i) -> task<int> {
            ++started;
            auto slept = co_await sleep_for(1h);
            if (!slept) ++cancelled;
            ++finished;
            co_return i;
        };
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](decltype(work) fn, bool* saw_end) -> task<void> {
                    auto it = iter::from(conf::numbers(100)) | iter::buffer_unordered(3, fn);
                    auto item = co_await it.next();  // cancelled while waiting here
                    *saw_end = !item.has_value();
                },
                work, &ended);
            co_await wait_for_count(started, 3);
            s.cancel();
        });
        CHECK(ended);  // a cancelled consumer sees the end...
        CHECK(started.load() == 3);
        CHECK(finished.load() == 3);  // ...only once every item has finished
        CHECK(cancelled.load() == 3);

        // Cancelled while busy elsewhere: the items are cancelled at once, and the
        // next next() reports the end after joining them.
        std::atomic<int> asleep{0};
        std::atomic<int> stopped{0};
        bool later_end = false;
        auto waits = [&asleep, &stopped](int i) -> task<int> {
            if (i == 0) co_return 0;
            ++asleep;
            auto slept = co_await sleep_for(1h);
            if (!slept) ++stopped;
            co_return i;
        };
        bool stopped_before_next = false;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](decltype(waits) fn, std::atomic<int>* items_stopped, bool* before,
                   bool* saw_end) -> task<void> {
                    auto it = iter::from(conf::numbers(3)) | iter::buffered(3, fn);
                    (void)co_await it.next();
                    (void)co_await sleep_for(1h);  // busy elsewhere when cancelled
                    // The items stop without any next() (sleeps return at once in a
                    // cancelled task, yields still give the others their turns).
                    for (int i = 0; i < 1000000 && items_stopped->load() < 2; ++i) {
                        (void)co_await yield_now();
                    }
                    *before = items_stopped->load() == 2;
                    auto item = co_await it.next();
                    *saw_end = !item.has_value();
                },
                waits, &stopped, &stopped_before_next, &later_end);
            co_await wait_for_count(asleep, 2);
            (void)co_await sleep_for(1ms);  // the consumer is in its long sleep by now
            s.cancel();
        });
        CHECK(stopped_before_next);
        CHECK(stopped.load() == 2);
        CHECK(later_end);
    });
}

TEST_CASE("iteration: destroying a concurrent iterator mid-way cancels its in-flight work") {
    conf::run([]() -> task<void> {
        std::atomic<int> sleeping{0};
        std::atomic<int> cancelled{0};
        auto work = [&](int i) -> task<int> {
            if (i > 0) {
                ++sleeping;
                auto slept = co_await sleep_for(1h);
                if (!slept) ++cancelled;
            }
            co_return i;
        };
        {
            auto it = iter::from(conf::numbers(3)) | iter::buffer_unordered(3, work);
            const auto first = co_await it.next();
            CHECK(first == std::optional<int>(0));
            co_await wait_for_count(sleeping, 2);
        }  // items 1 and 2 are still sleeping
        co_await wait_for_count(cancelled, 2);
        CHECK(cancelled.load() == 2);

        // merge and chunks_timeout drain their sources in the background: that
        // stops too, and the sources are destroyed.
        std::atomic<int> sources_gone{0};
        struct on_exit {
            std::atomic<int>* gone;
            ~on_exit() { ++*gone; }
        };
        auto endless = [](std::atomic<int>* gone) -> generator<int> {
            on_exit guard{gone};
            for (int i = 0;; ++i) {
                auto slept = co_await sleep_for(1ms);
                if (!slept) co_return;
                co_yield i;
            }
        };
        {
            auto merged = iter::merge(endless(&sources_gone), endless(&sources_gone));
            (void)co_await merged.next();
            auto chunked = endless(&sources_gone) | iter::chunks_timeout(4, 1h);
            (void)co_await chunked.next();
            CHECK(sources_gone.load() == 0);
        }
        co_await wait_for_count(sources_gone, 3);
        CHECK(sources_gone.load() == 3);
        // The frame check after the run confirms that every frame was freed.
    });
}

TEST_CASE(
    "iteration: merge yields items from every source as they arrive and ends when all have ended") {
    conf::run([]() -> task<void> {
        // Arrival order, made deterministic with one event per source.
        std::array<event, 3> go;
        auto gated = [](event* e, int first, int n) -> generator<int> {
            auto waiting = e->wait();
            (void)co_await std::move(waiting);
            for (int i = 0; i < n; ++i) co_yield first + i;
        };
        auto merged = iter::merge(gated(&go[0], 0, 2), gated(&go[1], 10, 2), gated(&go[2], 20, 2));
        go[1].set();
        CHECK(co_await merged.next() == std::optional<int>(10));
        CHECK(co_await merged.next() == std::optional<int>(11));
        go[2].set();
        CHECK(co_await merged.next() == std::optional<int>(20));
        CHECK(co_await merged.next() == std::optional<int>(21));
        go[0].set();
        CHECK(co_await merged.next() == std::optional<int>(0));
        CHECK(co_await merged.next() == std::optional<int>(1));
        CHECK_FALSE((co_await merged.next()).has_value());
        CHECK_FALSE((co_await merged.next()).has_value());

        // Sources of different speeds: every item, each source's items in order.
        auto paced = [](int first, int n, std::chrono::milliseconds pause) -> generator<int> {
            for (int i = 0; i < n; ++i) {
                (void)co_await sleep_for(pause);
                co_yield first + i;
            }
        };
        std::vector<generator<int>> sources;
        sources.push_back(paced(0, 5, 2ms));
        sources.push_back(paced(100, 5, 0ms));
        sources.push_back(paced(200, 3, 1ms));
        auto all = iter::merge(std::move(sources));
        auto items = co_await drain(std::move(all));
        REQUIRE(items.size() == 13);
        auto from = [&items](int lo, int hi) {
            std::vector<int> picked;
            for (int v : items)
                if (v >= lo && v < hi) picked.push_back(v);
            return picked;
        };
        CHECK(from(0, 100) == std::vector<int>{0, 1, 2, 3, 4});
        CHECK(from(100, 200) == std::vector<int>{100, 101, 102, 103, 104});
        CHECK(from(200, 300) == std::vector<int>{200, 201, 202});

        auto piped = iter::from(conf::numbers(2)) | iter::merge(iter::from(conf::numbers(2)));
        auto both = co_await drain(std::move(piped));
        std::sort(both.begin(), both.end());
        CHECK(both == std::vector<int>{0, 0, 1, 1});

        auto nothing = iter::merge(std::vector<generator<int>>{});
        CHECK_FALSE((co_await nothing.next()).has_value());
    });
}

TEST_CASE("iteration: merge rethrows a source's exception after the items that arrived before it") {
    conf::run([]() -> task<void> {
        // The failing source fails only once the other one has delivered its item.
        event other_delivered;
        auto failing = [](event* gate) -> generator<int> {
            co_yield 1;
            auto waiting = gate->wait();
            (void)co_await std::move(waiting);
            throw std::runtime_error("source failed");
        };
        std::atomic<int> cancelled{0};
        auto endless = [](event* gate, std::atomic<int>* stopped) -> generator<int> {
            co_yield 100;
            gate->set();
            auto slept = co_await sleep_for(1h);
            if (!slept) ++*stopped;
        };
        auto merged = iter::merge(failing(&other_delivered), endless(&other_delivered, &cancelled));
        std::vector<int> before;
        bool threw = false;
        try {
            while (auto v = co_await merged.next()) before.push_back(*v);
        } catch (const std::runtime_error& e) {
            threw = std::string(e.what()) == "source failed";
        }
        CHECK(threw);
        std::sort(before.begin(), before.end());
        CHECK(before == std::vector<int>{1, 100});
        CHECK(cancelled.load() == 1);  // the other source was cancelled and joined
        CHECK_FALSE((co_await merged.next()).has_value());
    });
}

namespace {
// The callables own the only references to their state once these return.
auto offset_all(std::weak_ptr<int>* watch) {
    auto offset = std::make_shared<int>(100);
    *watch = offset;
    return iter::from(conf::numbers(6)) | iter::buffer_unordered(3, [offset](int x) -> task<int> {
               (void)co_await sleep_for(1ms);  // used after a suspension, in another task
               co_return x + *offset;
           });
}
auto add_all(std::weak_ptr<int>* watch, std::atomic<int>* total) {
    auto offset = std::make_shared<int>(100);
    *watch = offset;
    return iter::from(conf::numbers(6)) |
           iter::for_each_concurrent(3, [offset, total](int x) -> task<void> {
               (void)co_await sleep_for(1ms);
               *total += x + *offset;
           });
}
}  // namespace

TEST_CASE(
    "iteration: the callables of concurrent combinators keep their captures alive while items "
    "run") {
    conf::run([]() -> task<void> {
        std::weak_ptr<int> watch;
        {
            auto it = offset_all(&watch);
            CHECK_FALSE(watch.expired());
            auto items = co_await drain(std::move(it));
            std::sort(items.begin(), items.end());
            CHECK(items == std::vector<int>{100, 101, 102, 103, 104, 105});
        }
        CHECK(watch.expired());

        std::atomic<int> total{0};
        auto running = add_all(&watch, &total);
        CHECK_FALSE(watch.expired());
        co_await std::move(running);
        CHECK(total.load() == 615);
        CHECK(watch.expired());
    });
}
