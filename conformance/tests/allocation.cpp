// "Allocates nothing": no operator new at all in steady state, counted by the suite's
// global counter (heap.hpp), not only coroutine frames. Each behaviour warms up first
// (frame caches, the runtime's own queues and heaps reach their working size), then
// counts over many rounds.
//
// With one runtime thread the count is exactly 0. With several, a task resumes on
// whichever thread is free, and a frame it allocates is often freed on another
// thread; every frame goes back to the thread that allocated it, but one still in
// transit when its owner needs it again makes the owner take a new one from the heap,
// so each thread's working set grows, rarely, for as long as scheduling can surprise
// it. There the bound is 1 per 20 rounds, far below the one per call that a hidden
// allocation costs.
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "allocation_rounds.hpp"
#include "interop/conformance/heap.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;
using conf::testing::allocations_of;
using conf::testing::allowed_allocations;
using conf::testing::counted_rounds;
using conf::testing::warm_up_rounds;

namespace {

task<int> value(int v) { co_return v; }

task<int> after_yield(int v) {
    (void)co_await yield_now();
    co_return v;
}

}  // namespace

TEST_CASE("allocation: with_scope and scope::spawn allocate nothing in steady state") {
    conf::run([]() -> task<void> {
        int sum = 0;
        const auto allocations = co_await allocations_of([&]() -> task<void> {
            co_await with_scope([&](scope& s) -> task<void> {
                s.spawn([](int* out) -> task<void> { *out += co_await after_yield(1); }, &sum);
                co_return;
            });
        });
        CHECK(sum == warm_up_rounds + counted_rounds);
        CHECK(allocations <= allowed_allocations());
    });
}

TEST_CASE(
    "allocation: timeout over an operation that finishes in time allocates nothing in steady "
    "state") {
    conf::run([]() -> task<void> {
        int sum = 0;
        const auto allocations = co_await allocations_of([&]() -> task<void> {
            auto r = co_await timeout(10s, after_yield(1));
            sum += r.value_or(0);
        });
        CHECK(sum == warm_up_rounds + counted_rounds);
        CHECK(allocations <= allowed_allocations());
    });
}

TEST_CASE("allocation: timeout that fires allocates nothing in steady state") {
    INTEROP_REQUIRE_CAPABILITY(cap_virtual_time);
    conf::run_virtual([]() -> task<void> {
        int timed_out = 0;
        const auto allocations = co_await allocations_of([&]() -> task<void> {
            auto r = co_await timeout(1ms, sleep_for(1h));
            if (r.is(std::errc::timed_out)) ++timed_out;
        });
        CHECK(timed_out == warm_up_rounds + counted_rounds);
        CHECK(allocations <= allowed_allocations());
    });
}

TEST_CASE("allocation: when_all and when_any allocate nothing in steady state") {
    conf::run([]() -> task<void> {
        int sum = 0;
        const auto allocations = co_await allocations_of([&]() -> task<void> {
            auto [a, b] = co_await when_all(value(1), after_yield(2));
            auto any = co_await when_any(after_yield(3), value(4));
            sum += a + b + (any.index() == 0 ? std::get<0>(any) : std::get<1>(any));
        });
        // when_any's winner is whichever finishes first; both are at least 3.
        CHECK(sum >= 6 * (warm_up_rounds + counted_rounds));
        CHECK(allocations <= allowed_allocations());
    });
}

TEST_CASE("allocation: spawn and join allocate nothing in steady state") {
    conf::run([]() -> task<void> {
        int sum = 0;
        const auto allocations = co_await allocations_of([&]() -> task<void> {
            auto handle = co_await spawn(after_yield(1));
            sum += (co_await handle).value_or(0);
        });
        CHECK(sum == warm_up_rounds + counted_rounds);
        CHECK(allocations <= allowed_allocations());
    });
}

TEST_CASE(
    "allocation: mpsc channels, bounded and unbounded, allocate nothing per item in steady state") {
    conf::run([]() -> task<void> {
        auto bounded = mpsc::bounded<int>(8);
        auto unbounded = mpsc::unbounded<int>();
        long sum = 0;
        const auto allocations = co_await allocations_of([&]() -> task<void> {
            // A burst fills the buffers and drains them: the queues go round.
            for (int i = 0; i < 8; ++i) {
                (void)bounded.tx.try_send(i);
                (void)unbounded.tx.try_send(i);
            }
            for (int i = 0; i < 8; ++i) {
                sum += (co_await bounded.rx.recv()).value().value_or(0);
                sum += (co_await unbounded.rx.recv()).value().value_or(0);
            }
        });
        CHECK(sum == 2 * 28 * (warm_up_rounds + counted_rounds));
        CHECK(allocations <= allowed_allocations());
    });
}

TEST_CASE(
    "allocation: a TCP round trip with every read under timeout allocates nothing per message") {
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
        REQUIRE(client.has_value());
        auto server = co_await conf::accept(*listener);
        REQUIRE(server.has_value());
        // Request and response: no Nagle delay when a write goes out in pieces.
        CHECK(client->set_no_delay(true).has_value());
        CHECK(server->set_no_delay(true).has_value());
        std::array<std::byte, 16> out{};
        std::array<std::byte, 16> in{};
        std::size_t echoed = 0;
        int failures = 0;  // no assertions inside the counted rounds: they may allocate
        auto transfer = [&](tcp_stream& from, tcp_stream& to,
                            std::span<std::byte> buf) -> task<void> {
            auto sent = co_await write_all(from, buf);
            if (!sent) ++failures;
            std::size_t got = 0;
            while (got < buf.size()) {
                auto n = co_await timeout(10s, to.read(buf.subspan(got)));
                if (!n || *n == 0) {
                    ++failures;
                    co_return;
                }
                got += *n;
            }
            echoed += got;
        };
        const auto allocations = co_await allocations_of([&]() -> task<void> {
            co_await transfer(*client, *server, std::span(out));
            co_await transfer(*server, *client, std::span(in));
        });
        CHECK(failures == 0);
        CHECK(echoed == 2 * out.size() * (warm_up_rounds + counted_rounds));
        CHECK(allocations <= allowed_allocations());
    });
}
