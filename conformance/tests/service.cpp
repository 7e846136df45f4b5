// interop::service and its middleware (interop/service.hpp): layers stacked in order, a
// timeout that cancels the inner call, a concurrency limit, load shedding.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <system_error>
#include <type_traits>
#include <vector>

#include "interop/conformance/suite.hpp"
#include "interop/service.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

// A handler that doubles its request once `release` is set, counting the calls in
// flight and the most there ever were at once (atomics: a multi-threaded runtime runs
// calls on several threads).
struct gate {
    event release;
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::size_t> most{0};
    std::atomic<std::size_t> done{0};
};

auto doubling_behind(gate* g) {
    return service_fn<int>([g](int request) -> task<io_result<int>> {
        const std::size_t now_in = g->in_flight.fetch_add(1) + 1;
        std::size_t most = g->most.load();
        while (now_in > most && !g->most.compare_exchange_weak(most, now_in)) {
        }
        auto opened = co_await g->release.wait();
        g->in_flight.fetch_sub(1);
        if (!opened) co_return opened.error();
        g->done.fetch_add(1);
        co_return request * 2;
    });
}

// Lets the other tasks run until `in_flight` calls are in the handler (a bound only
// catches a hang).
task<bool> until_in_flight(const gate& g, std::size_t n) {
    for (int i = 0; i < 5000 && g.in_flight.load() != n; ++i) (void)co_await sleep_for(1ms);
    // And a little longer: nothing more may come in.
    for (int i = 0; i < 10; ++i) (void)co_await yield_now();
    co_return g.in_flight.load() == n;
}

}  // namespace

TEST_CASE("service: stack wraps the inner service in each layer in turn, the last outermost") {
    conf::run([]() -> task<void> {
        auto plus_one = service_fn<int>([](int x) -> task<io_result<int>> { co_return x + 1; });
        using inner = decltype(plus_one);
        auto svc =
            stack(plus_one, timeout_layer(1s), concurrency_limit_layer(4), load_shed_layer());
        static_assert(service<inner, int>);
        static_assert(service<decltype(svc), int>);
        static_assert(
            std::is_same_v<decltype(svc),
                           load_shed_service<concurrency_limit_service<timeout_service<inner>>>>);
        const io_result<void> ready = co_await svc.ready();
        CHECK(ready.has_value());
        CHECK(svc.ready_now());
        auto call = svc.call(41);
        const io_result<int> answer = co_await std::move(call);
        REQUIRE(answer.has_value());
        CHECK(*answer == 42);
    });
}

TEST_CASE("service: timeout_layer answers timed_out and cancels the inner call first") {
    conf::run([]() -> task<void> {
        bool cancelled = false;
        auto svc = stack(service_fn<int>([&cancelled](int) -> task<io_result<int>> {
                             auto slept = co_await sleep_for(10s);
                             cancelled = slept.is(std::errc::operation_canceled);
                             // Cancellation goes on as the call's error: a value here
                             // would be an answer, which a timeout never hides.
                             if (!slept) co_return slept.error();
                             co_return 0;
                         }),
                         timeout_layer(20ms));
        const time_point start = co_await now();
        auto call = svc.call(1);
        const io_result<int> answer = co_await std::move(call);
        CHECK(answer.is(std::errc::timed_out));
        CHECK(cancelled);  // the inner call was cancelled and awaited before the answer
        CHECK(co_await now() - start >= 20ms);
        CHECK(co_await now() - start < 5s);  // only catches a hang
    });
}

TEST_CASE(
    "service: concurrency_limit_layer runs at most n calls at once; the rest wait for a slot") {
    conf::run([]() -> task<void> {
        gate g;
        auto svc = stack(doubling_behind(&g), concurrency_limit_layer(2));
        std::mutex answers_mutex;
        std::vector<int> answers;
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 1; i <= 5; ++i) {
                s.spawn([&svc, &answers, &answers_mutex, i]() -> task<void> {
                    auto call = svc.call(i);
                    const io_result<int> answer = co_await std::move(call);
                    if (answer) {
                        const std::lock_guard lock(answers_mutex);
                        answers.push_back(*answer);
                    }
                });
            }
            task<bool> settling = until_in_flight(g, 2);
            const bool two_in = co_await std::move(settling);
            CHECK(two_in);  // two run, three wait for a slot
            CHECK(!svc.ready_now());
            g.release.set();
            co_return;
        });
        CHECK(g.most.load() == 2);
        CHECK(g.done.load() == 5);
        std::sort(answers.begin(), answers.end());
        CHECK(answers == std::vector<int>{2, 4, 6, 8, 10});
        CHECK(svc.ready_now());
    });
}

TEST_CASE("service: a concurrency limit's ready() waits for a free slot") {
    conf::run([]() -> task<void> {
        gate g;
        auto svc = stack(doubling_behind(&g), concurrency_limit_layer(1));
        std::atomic<bool> was_ready{false};
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                auto call = svc.call(1);
                (void)co_await std::move(call);
            });
            task<bool> settling = until_in_flight(g, 1);
            const bool one_in = co_await std::move(settling);
            REQUIRE(one_in);
            s.spawn([&]() -> task<void> {
                auto ready = svc.ready();
                const io_result<void> r = co_await std::move(ready);
                was_ready = r.has_value();
            });
            for (int i = 0; i < 20; ++i) (void)co_await yield_now();
            CHECK(!was_ready);  // the one slot is taken
            g.release.set();
            co_return;
        });
        CHECK(was_ready);
    });
}

TEST_CASE("service: load_shed_layer refuses at once what the inner service would make wait") {
    conf::run([]() -> task<void> {
        gate g;
        auto svc = stack(doubling_behind(&g), concurrency_limit_layer(1), load_shed_layer());
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                auto call = svc.call(1);
                const io_result<int> first = co_await std::move(call);
                CHECK(first.has_value());
            });
            task<bool> settling = until_in_flight(g, 1);
            const bool one_in = co_await std::move(settling);
            REQUIRE(one_in);
            auto second_call = svc.call(2);
            const io_result<int> second = co_await std::move(second_call);
            CHECK(second.is(std::errc::resource_unavailable_try_again));
            CHECK(g.in_flight == 1);  // never reached the handler
            g.release.set();
            co_return;
        });
        auto third_call = svc.call(3);
        const io_result<int> third = co_await std::move(third_call);
        REQUIRE(third.has_value());
        CHECK(*third == 6);
    });
}
