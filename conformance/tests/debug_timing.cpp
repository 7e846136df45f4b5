// Timing and slow polls (interop/debug.hpp): each task's resumptions and running time
// while timing is on, and a task that holds its runtime's thread too long.
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "debug_support.hpp"
#include "interop/conformance/suite.hpp"
#include "interop/debug.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;
using namespace interop::debug_support;

TEST_CASE("debug: with timing on a task's resumptions and running time are counted; off, none") {
    conf::run([]() -> task<void> {
        event release;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn("untimed", park_on(&release));
            const debug::task_info untimed = co_await once_waiting("untimed");
            CHECK(untimed.resumptions == 0);
            CHECK(untimed.busy.count() == 0);
            {
                const debug::timing on;
                s.spawn("worker", [&]() -> task<void> {
                    for (int i = 0; i < 3; ++i) {
                        std::this_thread::sleep_for(20ms);  // runs, holding its thread
                        (void)co_await yield_now();
                    }
                    (void)co_await release.wait();
                });
                const debug::task_info worker = co_await once_waiting("worker");
                CHECK(worker.resumptions >= 4);  // its start and three yields
                CHECK(worker.busy >= 60ms);
                CHECK(worker.busy <= worker.age);
            }
            release.set();
        });
    });
}

TEST_CASE(
    "debug: a task that holds its runtime's thread past the threshold is reported once, "
    "with its name and where it was spawned") {
    std::mutex mutex;
    std::vector<debug::task_info> seen;
    debug::slow_poll_watch watch = debug::watch_slow_polls(20ms, [&](const debug::task_info& t) {
        const std::lock_guard lock(mutex);
        seen.push_back(t);
    });
    unsigned spawned_on = 0;
    conf::run([&]() -> task<void> {
        co_await with_scope([&](scope& s) -> task<void> {
            spawned_on = __LINE__ + 1;
            s.spawn("hog", [&]() -> task<void> {
                (void)co_await yield_now();
                std::this_thread::sleep_for(200ms);  // a blocking call inside async code
            });
            co_return;
        });
    });
    watch.stop();
    const std::lock_guard lock(mutex);
    int reports = 0;
    for (const debug::task_info& t : seen) {
        if (t.name != "hog") continue;
        ++reports;
        CHECK(t.state == debug::task_state::running);
        CHECK(t.waited >= 20ms);
        CHECK(t.resumptions >= 2);
        CHECK(ends_with(t.spawned_file, "debug_timing.cpp"));
        CHECK(t.spawned_line == spawned_on);
    }
    CHECK(reports == 1);
}
