// Signals: listening from a known moment on, so that no signal is lost between the
// start of a program and its first wait.
#include <csignal>
#include <optional>
#include <thread>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE("signals: a listener sees a signal raised before its first recv") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::run([]() -> task<void> {
        auto listener = co_await signal_listener::listen(SIGUSR1);
        REQUIRE(listener.has_value());
        CHECK(listener->signal_number() == SIGUSR1);
        std::raise(SIGUSR1);  // right away: nobody waits yet
        auto r = co_await timeout(5s, listener->recv());
        CHECK(r.has_value());
    });
}

TEST_CASE("signals: a listener made before the run starts sees a signal raised as it starts") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::hang_guard guard;
    auto rt = conf::make_runtime();
    auto listener = signal_listener::listen(rt->ref(), SIGUSR1);
    REQUIRE(listener.has_value());
    // Raised from another thread before the runtime runs at all.
    std::thread([] { std::raise(SIGUSR1); }).join();
    const bool received = interop::run(rt->ref(), [&]() -> task<bool> {
        co_return (co_await timeout(5s, listener->recv())).has_value();
    }());
    CHECK(received);
}

TEST_CASE("signals: a recv takes the raise before it; with no raise since, the next recv waits") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::run([]() -> task<void> {
        auto listener = co_await signal_listener::listen(SIGUSR1);
        REQUIRE(listener.has_value());
        std::thread([] { std::raise(SIGUSR1); }).join();
        auto first = co_await timeout(5s, listener->recv());
        CHECK(first.has_value());
        auto second = co_await timeout(100ms, listener->recv());
        CHECK(second.is(std::errc::timed_out));
        std::thread([] { std::raise(SIGUSR1); }).join();
        auto third = co_await timeout(5s, listener->recv());
        CHECK(third.has_value());
    });
}

TEST_CASE("signals: listening for a signal that cannot be caught fails with invalid_argument") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::run([]() -> task<void> {
        auto kill = co_await signal_listener::listen(SIGKILL);
        CHECK(kill.is(std::errc::invalid_argument));
        auto zero = co_await signal_listener::listen(0);
        CHECK(zero.is(std::errc::invalid_argument));
        signal_listener none;
        CHECK((co_await none.recv()).is(std::errc::bad_file_descriptor));
    });
}

TEST_CASE("signals: a listener that outlives its runtime fails recv with bad_file_descriptor") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    std::optional<signal_listener> kept;
    conf::run([&]() -> task<void> {
        auto listener = co_await signal_listener::listen(SIGUSR1);
        REQUIRE(listener.has_value());
        kept.emplace(*listener);
    });
    conf::run(
        [&]() -> task<void> { CHECK((co_await kept->recv()).is(std::errc::bad_file_descriptor)); });
}
