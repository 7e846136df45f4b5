// Executor behaviours of the catalogue that executor.cpp does not pin already: the
// type-erased spawner, spawning after and during shutdown, duplicate wakes, frame
// counts after a whole run, and captures of spawned lambdas.
#include <atomic>
#include <coroutine>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "interop/channels.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

task<int> doubled(int x) {
    (void)co_await yield_now();
    co_return 2 * x;
}

task<int> fails_after_a_yield() {
    (void)co_await yield_now();
    throw std::runtime_error("spawned failure");
}

task<int> sleeps_for_a_day() {
    auto r = co_await sleep_for(24h);
    co_return r ? 1 : -1;
}

// Sleeps a day, after saying so; records what its sleep returned.
task<int> sleeps_and_records(event* sleeping, std::optional<io_result<void>>* slept) {
    sleeping->set();
    *slept = co_await sleep_for(24h);
    co_return 1;
}

// Written once against the Spawn concept, run with each spawner below.
template <typename S>
    requires Spawn<S, task<int>> task<void> check_spawner(S spawner) {
        auto joined = spawner.spawn(doubled(21));  // not a temporary in co_await: docs/compilers.md
        auto value = co_await joined;
        CHECK(value.value() == 42);
        auto failing = spawner.spawn(fails_after_a_yield());
        bool rethrown = false;
        try {
            (void)co_await failing;
        } catch (const std::runtime_error& e) {
            rethrown = std::string(e.what()) == "spawned failure";
        }
        CHECK(rethrown);
        event sleeping;
        std::optional<io_result<void>> slept;
        auto cancelled = spawner.spawn(sleeps_and_records(&sleeping, &slept));
        (void)co_await sleeping.wait();
        cancelled.cancel();
        auto cancelled_result = co_await cancelled;
        CHECK(cancelled_result.is(std::errc::operation_canceled));
        // What the task's own sleep saw, which the join cannot show.
        REQUIRE(slept.has_value());
        CHECK(slept->is(std::errc::operation_canceled));
    }

// spawn(rt, task) as a Spawn model: the concrete free function.
struct free_spawner {
    runtime_ref rt;
    template <typename T>
    join_handle<T> spawn(task<T> t) const {
        return interop::spawn(rt, std::move(t));
    }
};

}  // namespace

TEST_CASE(
    "executor: runtime_handle, the type-erased spawner, delivers values, exceptions and "
    "cancellation like spawn") {
    conf::run([]() -> task<void> {
        task_context* ctx = co_await current_context();
        co_await check_spawner(free_spawner{ctx->runtime});
        co_await check_spawner(runtime_handle(ctx->runtime));
    });
}

TEST_CASE(
    "executor: spawning onto a runtime whose run has ended throws logic_error and destroys the "
    "task once") {
    conf::hang_guard guard;
    auto rt = conf::make_runtime();
    const runtime_ref ref = rt->ref();
    interop::run(ref, []() -> task<void> { co_return; }());

    // The task holds a copy of `token` in its frame: the count shows the frame is gone.
    auto token = std::make_shared<int>(7);
    auto make = [](std::shared_ptr<int> t) -> task<int> { co_return *t; };
    CHECK_THROWS_AS((void)spawn(ref, make(token)), std::logic_error);
    CHECK(token.use_count() == 1);
    std::thread foreign([&] { CHECK_THROWS_AS((void)spawn(ref, make(token)), std::logic_error); });
    foreign.join();
    CHECK(token.use_count() == 1);
}

TEST_CASE(
    "executor: spawns from a foreign thread while the run shuts down report operation_canceled, "
    "never hang") {
    conf::hang_guard guard;
    auto rt = conf::make_runtime();
    const runtime_ref ref = rt->ref();
    std::atomic<int> refused{0};
    std::atomic<int> ran{0};
    event waiting;
    interop::run(ref,
                 [](runtime_ref r, std::atomic<int>* refused_count, std::atomic<int>* ran_count,
                    event* waits) -> task<void> {
                     auto h = co_await spawn(
                         [](runtime_ref rr, std::atomic<int>* no, std::atomic<int>* yes,
                            event* w) -> task<void> {
                             w->set();
                             (void)co_await sleep_for(
                                 24h);  // cancelled: the root has finished, the run shuts down
                             // The run cannot end while this task blocks its thread, so the foreign
                             // thread spawns into a run that is shutting down, never into a
                             // finished one.
                             std::thread foreign([rr, no, yes] {
                                 for (int i = 0; i < 100; ++i) {
                                     auto handle = spawn(
                                         rr,
                                         [](std::atomic<int>* n) -> task<void> {
                                             n->fetch_add(1);
                                             co_return;
                                         },
                                         yes);
                                     CHECK(handle.done());  // refused at once, not queued
                                     auto result = sync_wait(
                                         [](join_handle<void> jh) -> task<io_result<void>> {
                                             co_return co_await jh;
                                         }(std::move(handle)));
                                     if (result.is(std::errc::operation_canceled)) no->fetch_add(1);
                                 }
                             });
                             foreign.join();
                         },
                         r, refused_count, ran_count, waits);
                     h.detach();
                     (void)co_await waits->wait();  // the detached task is about to wait
                 }(ref, &refused, &ran, &waiting));
    CHECK(refused.load() == 100);
    CHECK(ran.load() == 0);
}

TEST_CASE(
    "executor: a foreign thread spawning while the run ends gets its task run or refused, never a "
    "finished run") {
    conf::hang_guard guard;
    conf::frame_leak_check leaks;
    for (int round = 0; round < 20; ++round) {
        auto rt = conf::make_runtime();
        const runtime_ref ref = rt->ref();
        std::atomic<bool> started{false};
        std::atomic<bool> finished{false};
        std::atomic<int> accepted{0};
        std::atomic<int> ran{0};
        std::atomic<int> refused_after_end{0};
        // Spawns as fast as it can, with nothing holding the run open: some spawns land
        // while interop::run is returning.
        std::thread foreign([&] {
            while (!started.load()) std::this_thread::yield();
            while (!finished.load()) {
                try {
                    auto handle = spawn(
                        ref,
                        [](std::atomic<int>* n) -> task<void> {
                            n->fetch_add(1);
                            co_return;
                        },
                        &ran);
                    handle.detach();
                    accepted.fetch_add(1);
                } catch (const std::logic_error&) {
                    refused_after_end.fetch_add(1);  // the run is over: spawn says so
                    break;
                }
            }
        });
        interop::run(ref, [](std::atomic<bool>* go) -> task<void> {
            go->store(true);
            (void)co_await sleep_for(1ms);
        }(&started));
        finished.store(true);
        foreign.join();
        CHECK(ran.load() <= accepted.load());
        CHECK(refused_after_end.load() <= 1);
    }
}

namespace {

struct counts_destruction {
    std::atomic<int>* n;
    ~counts_destruction() { n->fetch_add(1); }
};

task<void> sleep_an_hour(std::atomic<int>* destroyed, std::atomic<int>* cancelled) {
    const counts_destruction counted{destroyed};
    auto slept = co_await sleep_for(1h);
    if (slept.is(std::errc::operation_canceled)) cancelled->fetch_add(1);
}

}  // namespace

TEST_CASE(
    "executor: request_stop from another thread cancels every task, runs their destructors, and "
    "run returns the root's result") {
    conf::hang_guard guard;
    auto rt = conf::make_runtime();
    const runtime_ref ref = rt->ref();
    std::atomic<int> destroyed{0};
    std::atomic<int> cancelled{0};
    std::atomic<bool> waiting{false};
    std::thread stopper([&] {
        while (!waiting.load()) std::this_thread::yield();
        interop::request_stop(ref);
    });
    event never_set;
    // The root waits for an event nobody sets, a scope child and a detached spawned
    // task sleep for an hour: only the stop can end any of them.
    const std::error_code root_saw = interop::run(
        ref,
        [](event* never, std::atomic<bool>* flag, std::atomic<int>* destructions,
           std::atomic<int>* cancellations) -> task<std::error_code> {
            const counts_destruction counted{destructions};
            (co_await interop::spawn(sleep_an_hour, destructions, cancellations)).detach();
            std::error_code seen;
            co_await with_scope([&](scope& s) -> task<void> {
                s.spawn(sleep_an_hour, destructions, cancellations);
                flag->store(true);
                auto r = co_await never->wait();
                if (!r) seen = r.error();
            });
            co_return seen;
        }(&never_set, &waiting, &destroyed, &cancelled));
    stopper.join();
    CHECK(root_saw == std::errc::operation_canceled);
    CHECK(cancelled.load() == 2);
    CHECK(destroyed.load() == 3);
}

TEST_CASE(
    "executor: request_stop from inside a task, even twice, shuts the run down the same way, and "
    "the runtime stays stopped") {
    conf::hang_guard guard;
    auto rt = conf::make_runtime();
    const runtime_ref ref = rt->ref();
    std::atomic<int> destroyed{0};
    std::atomic<int> cancelled{0};
    const bool root_cancelled = interop::run(
        ref,
        [](runtime_ref own, std::atomic<int>* destructions,
           std::atomic<int>* cancellations) -> task<bool> {
            (co_await interop::spawn(sleep_an_hour, destructions, cancellations)).detach();
            interop::request_stop(own);
            interop::request_stop(own);
            // The run is shutting down: a new task is refused, a new wait is cancelled.
            auto refused = co_await co_await interop::spawn([]() -> task<int> { co_return 1; });
            CHECK(refused.is(std::errc::operation_canceled));
            auto slept = co_await sleep_for(1h);
            co_return slept.is(std::errc::operation_canceled);
        }(ref, &destroyed, &cancelled));
    CHECK(root_cancelled);
    CHECK(cancelled.load() == 1);
    CHECK(destroyed.load() == 1);
    CHECK_THROWS_AS(interop::run(ref, []() -> task<void> { co_return; }()), std::logic_error);
}

TEST_CASE(
    "executor: duplicate wakes of one waiter resume it exactly once; wakes after completion are "
    "harmless") {
    conf::run([]() -> task<void> {
        for (int round = 0; round < 50; ++round) {
            event ev;
            int resumed = 0;
            co_await with_scope([&](scope& s) -> task<void> {
                s.spawn(
                    [](event* e, int* n) -> task<void> {
                        auto r = co_await e->wait();
                        if (r) ++*n;
                    },
                    &ev, &resumed);
                (void)co_await yield_now();  // the waiter is parked now
                // Four threads wake it at once, and keep waking it after it has resumed.
                std::vector<std::thread> wakers;
                wakers.reserve(4);
                for (int t = 0; t < 4; ++t) {
                    wakers.emplace_back([&ev] {
                        for (int i = 0; i < 10; ++i) ev.set();
                    });
                }
                for (std::thread& t : wakers) t.join();
                co_return;
            });
            CHECK(resumed == 1);
        }

        // A receiver woken by many senders at once resumes once per item it takes.
        auto [tx, rx] = mpsc::unbounded<int>();
        std::vector<std::thread> senders;
        senders.reserve(4);
        for (int t = 0; t < 4; ++t) {
            senders.emplace_back([out = tx, t]() mutable {
                for (int i = 0; i < 250; ++i) (void)out.try_send(t * 1000 + i);
            });
        }
        { auto drop = std::move(tx); }
        int received = 0;
        while (auto v = co_await rx.next()) ++received;
        for (std::thread& t : senders) t.join();
        CHECK(received == 1000);
    });
}

TEST_CASE(
    "executor: no coroutine frame outlives its task: the frame count returns to its baseline after "
    "a run") {
    const auto before = frame_stats().live_frames;
    {
        auto rt = conf::make_runtime();
        conf::hang_guard guard;
        interop::run(rt->ref(), []() -> task<void> {
            // Joined, cancelled and detached spawns; scope children; when_any losers;
            // a timeout; a generator dropped half-way.
            auto joined = co_await spawn(doubled(1));
            (void)co_await joined;
            auto cancelled = co_await spawn(sleeps_for_a_day());
            (void)co_await yield_now();
            cancelled.cancel();
            (void)co_await cancelled;
            auto detached = co_await spawn(sleeps_for_a_day());
            detached.detach();  // cancelled when the run ends
            co_await with_scope([](scope& s) -> task<void> {
                for (int i = 0; i < 10; ++i) s.spawn(doubled(i));
                co_return;
            });
            (void)co_await when_any(doubled(2), sleeps_for_a_day());
            (void)co_await timeout(1ms, sleeps_for_a_day());
            auto numbers = []() -> generator<int> {
                for (int i = 0;; ++i) {
                    (void)co_await yield_now();
                    co_yield i;
                }
            }();
            (void)co_await numbers.next();
        }());
    }
    CHECK(frame_stats().live_frames == before);
}

TEST_CASE("executor: a lambda passed to spawn keeps its captures alive until the task ends") {
    conf::run([]() -> task<void> {
        auto token = std::make_shared<std::string>("alive");
        std::weak_ptr<std::string> watch = token;
        // Made outside the co_await (see docs/compilers.md), then handed over: the
        // lambda object itself is gone once spawn returns.
        auto body = [token = std::move(token)]() -> task<std::size_t> {
            (void)co_await sleep_for(2ms);
            co_return token->size();
        };
        auto handle = co_await spawn(std::move(body));
        CHECK_FALSE(watch.expired());  // the task's frame holds the capture
        auto size = co_await handle;
        CHECK(size.value() == 5);
        CHECK(watch.expired());  // the frame is gone by the time the join completes

        // The same through a scope.
        auto scoped = std::make_shared<int>(3);
        std::weak_ptr<int> scoped_watch = scoped;
        int seen = 0;
        co_await with_scope([&](scope& s) -> task<void> {
            auto child = [scoped = std::move(scoped), &seen]() -> task<void> {
                (void)co_await sleep_for(2ms);
                seen = *scoped;
            };
            s.spawn(std::move(child));
            co_return;
        });
        CHECK(seen == 3);
        CHECK(scoped_watch.expired());  // with_scope returns after the child's frame is freed
    });
}
