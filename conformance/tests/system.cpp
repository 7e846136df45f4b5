// Name resolution, blocking offload and signals: the runtime services beyond
// timers and sockets.
#include <atomic>
#include <csignal>
#include <stdexcept>
#include <thread>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE("system: resolving localhost yields a loopback endpoint with the port") {
    INTEROP_REQUIRE_CAPABILITY(cap_resolve);
    conf::run([]() -> task<void> {
        auto found = co_await resolve("localhost", 8080);
        REQUIRE(found.has_value());
        REQUIRE_FALSE(found->empty());
        bool loopback = false;
        for (const endpoint& ep : *found) {
            CHECK(ep.port == 8080);
            if (ep.address == ip_address::loopback_v4() ||
                ep.address == ip_address::loopback_v6()) {
                loopback = true;
            }
        }
        CHECK(loopback);
    });
}

TEST_CASE("system: a name that does not resolve fails with an error, not an exception") {
    INTEROP_REQUIRE_CAPABILITY(cap_resolve);
    conf::run([]() -> task<void> {
        auto missing = co_await resolve("no-such-host.invalid", 80);
        REQUIRE_FALSE(missing.has_value());
        const bool expected = missing.is(std::errc::host_unreachable) ||
                              missing.is(std::errc::resource_unavailable_try_again);
        CHECK(expected);
        auto empty = co_await resolve("", 80);
        CHECK(empty.is(std::errc::invalid_argument));
    });
}

TEST_CASE("system: resolved endpoints can be connected to") {
    INTEROP_REQUIRE_CAPABILITY(cap_resolve);
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        const auto port = listener->local_endpoint()->port;
        auto found = co_await resolve("127.0.0.1", port);
        REQUIRE(found.has_value());
        auto conn = co_await tcp_stream::connect(found->front());
        CHECK(conn.has_value());
    });
}

TEST_CASE("system: spawn_blocking runs the work off the runtime's threads and returns its value") {
    INTEROP_REQUIRE_CAPABILITY(cap_blocking_offload);
    conf::run([]() -> task<void> {
        task_context* ctx = co_await current_context();
        runtime_ref rt = ctx->runtime;
        auto r = co_await spawn_blocking([rt] {
            std::this_thread::sleep_for(2ms);  // blocking is fine here
            return rt.vtable->in_runtime_thread(rt.self) ? -1 : 21;
        });
        REQUIRE(r.has_value());
        CHECK(*r == 21);
        CHECK(rt.vtable->in_runtime_thread(rt.self));  // and we are back on the runtime
    });
}

TEST_CASE("system: an exception thrown by blocking work is rethrown to the awaiter") {
    INTEROP_REQUIRE_CAPABILITY(cap_blocking_offload);
    conf::run([]() -> task<void> {
        auto fails = [] { throw std::runtime_error("blocking failed"); };
        CHECK_THROWS_WITH_AS((void)co_await spawn_blocking(fails), "blocking failed",
                             std::runtime_error);
    });
}

TEST_CASE("system: blocking work does not stall the runtime") {
    INTEROP_REQUIRE_CAPABILITY(cap_blocking_offload);
    conf::run([]() -> task<void> {
        // The blocking work waits until the runtime has ticked five times: on a
        // runtime it stalled, the ticks could not happen and it would give up.
        int ticks = 0;
        std::atomic<bool> ticked{false};
        std::atomic<bool> saw_ticks{false};
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                auto r = co_await spawn_blocking([&] {
                    const auto give_up = std::chrono::steady_clock::now() + 10s;
                    while (!ticked.load() && std::chrono::steady_clock::now() < give_up) {
                        std::this_thread::sleep_for(1ms);
                    }
                    saw_ticks = ticked.load();
                });
                CHECK(r.has_value());
            });
            for (int i = 0; i < 5; ++i) {
                (void)co_await sleep_for(1ms);
                ++ticks;
            }
            ticked = true;
            co_return;
        });
        CHECK(ticks == 5);
        CHECK(saw_ticks.load());  // the ticks happened while the blocking work ran
    });
}

TEST_CASE("system: waiting for a signal completes when the process receives it") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::run([]() -> task<void> {
        auto listener = co_await signal_listener::listen(SIGUSR2);
        REQUIRE(listener.has_value());
        event waiting;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                waiting.set();
                auto r = co_await timeout(5s, listener->recv());
                CHECK(r.has_value());
            });
            (void)co_await waiting.wait();
            // From another thread, as a signal from outside would arrive.
            std::thread([] { std::raise(SIGUSR2); }).join();
            co_return;
        });
    });
}

TEST_CASE("system: a cancelled signal wait completes with operation_canceled") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::run([]() -> task<void> {
        auto r = co_await timeout(5ms, signal(SIGUSR2));
        CHECK(r.is(std::errc::timed_out));
        auto bad = co_await signal(0);
        CHECK(bad.is(std::errc::invalid_argument));
    });
}
