// Runtime services beyond system.cpp: a signal is not lost while nobody waits for it.
#include <csignal>
#include <thread>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE("system: a signal raised while nobody waits completes the next wait") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::run([]() -> task<void> {
        // Listening installs the runtime's handler (it stays for the process), so no
        // raise below can take the default action, whenever it lands.
        auto listening = co_await signal_listener::listen(SIGUSR2);
        REQUIRE(listening.has_value());
        event waiting;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                waiting.set();
                auto r = co_await timeout(5s, signal(SIGUSR2));
                CHECK(r.has_value());
            });
            (void)co_await waiting.wait();
            std::raise(SIGUSR2);
            co_return;
        });
        // Nobody waits now; the signal arrives anyway, and the next wait sees it.
        std::thread([] { std::raise(SIGUSR2); }).join();
        auto next = co_await timeout(5s, signal(SIGUSR2));
        CHECK(next.has_value());
    });
}
