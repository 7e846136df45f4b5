// "Why is it blocked" (interop/debug.hpp): deadlocks found among tasks that wait for
// one another, and tasks stalled longer than a threshold.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "debug_support.hpp"
#include "interop/conformance/suite.hpp"
#include "interop/debug.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;
using namespace interop::debug_support;

namespace {

// An address as task dumps show it.
std::string address(const void* p) {
    char text[32];
    std::snprintf(text, sizeof text, "%p", p);
    return text;
}

// Polls (on the runtime's clock) until a snapshot shows a deadlock.
task<std::vector<debug::deadlock>> once_deadlocked() {
    for (int i = 0; i < 5000; ++i) {
        std::vector<debug::deadlock> found = debug::find_deadlocks();
        if (!found.empty()) co_return found;
        (void)co_await sleep_for(1ms);
    }
    FAIL("no deadlock was found");
    co_return std::vector<debug::deadlock>{};
}

const debug::task_info* named(const debug::deadlock& d, std::string_view name) {
    for (const debug::task_info& t : d.tasks) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace

TEST_CASE(
    "debug: two tasks that lock two mutexes in opposite orders are one deadlock naming "
    "both tasks, both mutexes and where each was spawned") {
    conf::run([]() -> task<void> {
        async_mutex first;
        async_mutex second;
        event left_holds;
        event right_holds;
        unsigned left_line = 0;
        unsigned right_line = 0;
        co_await with_scope([&](scope& s) -> task<void> {
            left_line = __LINE__ + 1;
            s.spawn("left", [&]() -> task<void> {
                auto a = co_await first.lock();
                left_holds.set();
                (void)co_await right_holds.wait();
                auto b = co_await second.lock();
            });
            right_line = __LINE__ + 1;
            s.spawn("right", [&]() -> task<void> {
                auto b = co_await second.lock();
                right_holds.set();
                (void)co_await left_holds.wait();
                auto a = co_await first.lock();
            });
            const std::vector<debug::deadlock> found = co_await once_deadlocked();
            REQUIRE(found.size() == 1);
            const debug::deadlock& d = found[0];
            REQUIRE(d.tasks.size() == 2);
            const debug::task_info* left = named(d, "left");
            const debug::task_info* right = named(d, "right");
            REQUIRE(left != nullptr);
            REQUIRE(right != nullptr);
            // Each waits for the mutex the other holds, and says so.
            CHECK(starts_with(left->waiting_on, "mutex lock " + address(&second)));
            CHECK(ends_with(left->waiting_on, "(held by task " + std::to_string(right->id) + ")"));
            CHECK(starts_with(right->waiting_on, "mutex lock " + address(&first)));
            CHECK(ends_with(right->waiting_on, "(held by task " + std::to_string(left->id) + ")"));
            CHECK(left->waits_for == std::vector<std::uint64_t>{right->id});
            CHECK(right->waits_for == std::vector<std::uint64_t>{left->id});
            CHECK(ends_with(left->spawned_file, "debug_blocked.cpp"));
            CHECK(left->spawned_line == left_line);
            CHECK(right->spawned_line == right_line);

            // The text names both tasks, both mutexes and both spawn sites; so does a dump.
            std::ostringstream report;
            debug::report_blocked(report);
            const std::string text = report.str();
            INFO(text);
            CHECK(starts_with(text, "deadlock: 2 tasks wait for one another"));
            CHECK(contains(text, "\"left\""));
            CHECK(contains(text, "\"right\""));
            CHECK(contains(text, address(&first)));
            CHECK(contains(text, address(&second)));
            CHECK(contains(text, "debug_blocked.cpp:" + std::to_string(left_line)));
            CHECK(contains(text, "debug_blocked.cpp:" + std::to_string(right_line)));
            std::ostringstream dump;
            debug::dump(dump);
            CHECK(contains(dump.str(), "deadlock: 2 tasks"));
            s.cancel();  // ends both waits: a deadlock is undone by cancellation
        });
        CHECK(debug::find_deadlocks().empty());
    });
}

TEST_CASE(
    "debug: a task that joins its scope holding a mutex that a child waits for is a deadlock") {
    conf::run([]() -> task<void> {
        async_mutex mutex;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn("owner", [&]() -> task<void> {
                auto held = co_await mutex.lock();
                co_await with_scope([&](scope& inner) -> task<void> {
                    inner.spawn("child", [&]() -> task<void> { (void)co_await mutex.lock(); });
                    co_return;
                });
            });
            const std::vector<debug::deadlock> found = co_await once_deadlocked();
            REQUIRE(found.size() == 1);
            const debug::task_info* owner = named(found[0], "owner");
            const debug::task_info* child = named(found[0], "child");
            REQUIRE(owner != nullptr);
            REQUIRE(child != nullptr);
            CHECK(found[0].tasks.size() == 2);
            CHECK(starts_with(owner->waiting_on, "scope join"));
            CHECK(owner->waits_for == std::vector<std::uint64_t>{child->id});
            CHECK(child->waits_for == std::vector<std::uint64_t>{owner->id});
            CHECK(child->parent == owner->id);
            s.cancel();
        });
    });
}

TEST_CASE("debug: waits that a timer can end, or on another scope's children, are no deadlock") {
    conf::run([]() -> task<void> {
        async_mutex mutex;
        co_await with_scope([&](scope& s) -> task<void> {
            // The owner holds the mutex and joins an inner scope whose child sleeps; a
            // child of its outer scope waits for the mutex. The owner waits only for the
            // sleeper: when it wakes, the owner lets go and the waiter goes on.
            s.spawn("owner", [&]() -> task<void> {
                auto held = co_await mutex.lock();
                co_await with_scope([&](scope& outer) -> task<void> {
                    outer.spawn("waiter", [&]() -> task<void> { (void)co_await mutex.lock(); });
                    co_await with_scope([&](scope& inner) -> task<void> {
                        inner.spawn("sleeper",
                                    [&]() -> task<void> { (void)co_await sleep_for(1h); });
                        co_return;
                    });
                });
            });
            const debug::task_info waiter = co_await once_waiting("waiter");
            const debug::task_info sleeper = co_await once_waiting("sleeper");
            std::optional<debug::task_info> owner;
            for (int i = 0; i < 5000 && !(owner && starts_with(owner->waiting_on, "scope join"));
                 ++i) {
                (void)co_await sleep_for(1ms);
                owner = find_task("owner");
            }
            REQUIRE(owner.has_value());
            CHECK(owner->waits_for == std::vector<std::uint64_t>{sleeper.id});
            CHECK(waiter.waits_for == std::vector<std::uint64_t>{owner->id});
            CHECK(debug::find_deadlocks().empty());
            s.cancel();
        });
    });
}

TEST_CASE(
    "debug: a task waiting longer than the threshold is stalled; one that began "
    "waiting since, or was resumed, is not") {
    conf::run([]() -> task<void> {
        event long_release;
        event short_release;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn("long", park_on(&long_release));
            (void)co_await once_waiting("long");
            // Stalls are measured on the wall clock: this holds the runtime's thread.
            std::this_thread::sleep_for(300ms);
            s.spawn("short", park_on(&short_release));
            (void)co_await once_waiting("short");

            const std::vector<debug::task_info> slow = debug::stalled(150ms);
            const auto has = [&slow](std::string_view name) {
                return std::any_of(slow.begin(), slow.end(),
                                   [name](const debug::task_info& t) { return t.name == name; });
            };
            CHECK(has("long"));
            CHECK(!has("short"));
            REQUIRE(!slow.empty());
            CHECK(slow.front().name == "long");  // the longest first
            CHECK(slow.front().waited >= 300ms);

            {
                // Gone before the next co_await: doctest keeps INFO per thread, and on
                // a multi-threaded runtime the task may resume on another.
                std::ostringstream report;
                debug::report_blocked(report, 150ms);
                INFO(report.str());
                CHECK(contains(report.str(), "no deadlock"));
                CHECK(contains(report.str(), "stalled: 1 task has waited 0.150 s or more"));
                CHECK(contains(report.str(), "\"long\""));
            }

            long_release.set();
            std::optional<debug::task_info> resumed = find_task("long");
            for (int i = 0; i < 5000 && resumed; ++i) {
                (void)co_await sleep_for(1ms);
                resumed = find_task("long");
            }
            CHECK(!resumed.has_value());
            CHECK(debug::stalled(150ms).empty());
            short_release.set();
        });
    });
}
