// interop::service and its middleware (interop/service.hpp): layers stacked in order, a
// timeout that cancels the inner call, a concurrency limit, load shedding.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <system_error>
#include <type_traits>
#include <utility>
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

namespace {

// A service that answers its request, noting when it was called (since `start`).
auto recording(std::vector<duration>* at, time_point start) {
    return service_fn<int>([at, start](int x) -> task<io_result<int>> {
        at->push_back(co_await now() - start);
        co_return x;
    });
}

}  // namespace

TEST_CASE(
    "service: rate_limit_layer lets n calls go at once, then one every period / n (virtual "
    "time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        const time_point start = co_await now();
        std::vector<duration> at;
        auto svc = stack(recording(&at, start), rate_limit_layer(2, 100ms));
        CHECK(svc.ready_now());
        for (int i = 0; i < 4; ++i) {
            auto call = svc.call(i);
            const io_result<int> answer = co_await std::move(call);
            CHECK(answer.has_value());
        }
        CHECK(at == std::vector<duration>{0ms, 0ms, 50ms, 100ms});

        // The next turn is at 150 ms: ready() waits for it without taking it.
        CHECK(!svc.ready_now());
        auto ready = svc.ready();
        const io_result<void> r = co_await std::move(ready);
        CHECK(r.has_value());
        CHECK(co_await now() - start == 150ms);
        CHECK(svc.ready_now());

        // After a quiet spell, n at once again.
        (void)co_await sleep_for(1s);
        at.clear();
        const time_point later = co_await now();
        for (int i = 0; i < 3; ++i) {
            auto call = svc.call(i);
            (void)co_await std::move(call);
        }
        const duration quiet = later - start;
        CHECK(at == std::vector<duration>{quiet, quiet, quiet + 50ms});
    });
}

TEST_CASE(
    "service: a rate limit is shared by copies, callers wait their turn, and a caller "
    "cancelled while it waits never reaches the service (virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        const time_point start = co_await now();
        std::vector<duration> at;
        auto svc = stack(recording(&at, start), rate_limit_layer(1, 10ms));
        auto copy = svc;
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 4; ++i) {
                auto* which = i % 2 == 0 ? &svc : &copy;
                s.spawn([which, i]() -> task<void> {
                    auto call = which->call(i);
                    (void)co_await std::move(call);
                });
            }
            co_return;
        });
        CHECK(at == std::vector<duration>{0ms, 10ms, 20ms, 30ms});

        // The next turn is at 40 ms; cancelled at 35 ms, the caller answers at once.
        auto waiting = copy.call(9);
        const io_result<int> cancelled = co_await timeout(5ms, std::move(waiting));
        CHECK(cancelled.is(std::errc::timed_out));
        CHECK(at.size() == 4);
        CHECK(co_await now() - start == 35ms);
    });
}

namespace {

// A service that fails with `error` the first `failures` times it is called (all of
// them when failures < 0), then answers its request, recording when it was called.
struct flaky {
    std::error_code error;
    int failures = 0;
    time_point start{};
    std::vector<duration> calls{};
};

auto flaky_service(flaky* f) {
    return service_fn<int>([f](int request) -> task<io_result<int>> {
        f->calls.push_back(co_await now() - f->start);
        if (f->failures < 0 || std::cmp_less(f->calls.size(), f->failures + 1)) co_return f->error;
        co_return request;
    });
}

}  // namespace

TEST_CASE(
    "service: retry_layer tries a transient failure again after a back-off that doubles "
    "(virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        flaky f{.error = make_error_code(std::errc::connection_refused),
                .failures = 3,
                .start = co_await now()};
        auto svc =
            stack(flaky_service(&f),
                  retry_layer({.max_attempts = 5, .first_backoff = 10ms, .max_backoff = 25ms}));
        auto call = svc.call(7);
        const io_result<int> answer = co_await std::move(call);
        REQUIRE(answer.has_value());
        CHECK(*answer == 7);
        // Waits of 10, 20 and 25 ms (doubled, then capped) between the attempts.
        CHECK(f.calls == std::vector<duration>{0ms, 10ms, 30ms, 55ms});
    });
}

TEST_CASE(
    "service: retry_layer gives up after max_attempts with the last error, and retries only "
    "the errors its policy names (virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        flaky down{.error = make_error_code(std::errc::connection_reset),
                   .failures = -1,
                   .start = co_await now()};
        auto svc = stack(flaky_service(&down), retry_layer({.max_attempts = 3}));
        auto call = svc.call(1);
        const io_result<int> answer = co_await std::move(call);
        CHECK(answer.is(std::errc::connection_reset));
        CHECK(down.calls == std::vector<duration>{0ms, 10ms, 30ms});

        // Not a transient error: one attempt only.
        flaky wrong{.error = make_error_code(std::errc::invalid_argument),
                    .failures = -1,
                    .start = co_await now()};
        auto strict = stack(flaky_service(&wrong), retry_layer());
        auto once = strict.call(1);
        const io_result<int> refused = co_await std::move(once);
        CHECK(refused.is(std::errc::invalid_argument));
        CHECK(wrong.calls.size() == 1);

        // Unless the policy names it.
        flaky named{.error = make_error_code(std::errc::invalid_argument),
                    .failures = 1,
                    .start = co_await now()};
        auto lenient =
            stack(flaky_service(&named), retry_layer({.retry_on = [](std::error_code ec) {
                      return ec == std::errc::invalid_argument;
                  }}));
        auto twice = lenient.call(5);
        const io_result<int> second = co_await std::move(twice);
        CHECK(second.has_value());
        CHECK(named.calls.size() == 2);
    });
}

TEST_CASE(
    "service: a call cancelled while retry_layer waits to try again answers "
    "operation_canceled (virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        flaky down{.error = make_error_code(std::errc::timed_out),
                   .failures = -1,
                   .start = co_await now()};
        auto svc = stack(flaky_service(&down), retry_layer({.first_backoff = 100ms}));
        io_result<int> seen = 0;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                auto call = svc.call(1);
                seen = co_await std::move(call);
            });
            (void)co_await sleep_for(30ms);
            s.cancel();
            co_return;
        });
        CHECK(seen.is(std::errc::operation_canceled));
        CHECK(down.calls.size() == 1);  // cancelled in the back-off, before a second try
    });
}

TEST_CASE(
    "service: retry_layer's budget caps retries under a lasting outage to its share of the "
    "calls (virtual time)") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        flaky down{.error = make_error_code(std::errc::connection_refused),
                   .failures = -1,
                   .start = co_await now()};
        auto svc = stack(flaky_service(&down),
                         retry_layer({.max_attempts = 2, .budget_burst = 2, .budget_ratio = 0.5}));
        std::vector<std::size_t> attempts;
        for (int i = 0; i < 10; ++i) {
            const std::size_t before = down.calls.size();
            auto call = svc.call(i);
            const io_result<int> answer = co_await std::move(call);
            CHECK(answer.is(std::errc::connection_refused));
            attempts.push_back(down.calls.size() - before);
        }
        // A burst of retries while the budget lasts (2 at the start, each call putting
        // half a retry back), then one retry for every other call.
        CHECK(attempts == std::vector<std::size_t>{2, 2, 2, 1, 2, 1, 2, 1, 2, 1});
    });
}

TEST_CASE("service: rate_limit_layer and retry_layer wait on the runtime's own clock") {
    conf::run([]() -> task<void> {
        // One call per 20 ms: the third of three goes no earlier than 40 ms in.
        int served = 0;
        auto limited = stack(service_fn<int>([&served](int x) -> task<io_result<int>> {
                                 ++served;
                                 co_return x;
                             }),
                             rate_limit_layer(1, 20ms));
        const time_point start = co_await now();
        for (int i = 0; i < 3; ++i) {
            auto call = limited.call(i);
            (void)co_await std::move(call);
        }
        CHECK(served == 3);
        CHECK(co_await now() - start >= 40ms);

        // Two failures, waits of 10 and 20 ms, then the answer.
        flaky f{.error = make_error_code(std::errc::connection_refused),
                .failures = 2,
                .start = co_await now()};
        auto retried = stack(flaky_service(&f), retry_layer({.first_backoff = 10ms}));
        auto call = retried.call(3);
        const io_result<int> answer = co_await std::move(call);
        REQUIRE(answer.has_value());
        CHECK(*answer == 3);
        REQUIRE(f.calls.size() == 3);
        CHECK(f.calls[1] >= 10ms);
        CHECK(f.calls[2] - f.calls[1] >= 20ms);
        CHECK(co_await now() - start < 10s);  // only catches a hang
    });
}
