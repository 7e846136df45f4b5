// Runtime services beyond system.cpp: a signal is not lost while nobody waits for it.
#include <atomic>
#include <csignal>
#include <thread>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE("system: a signal raised while nobody waits completes the next wait") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::run([]() -> task<void> {
        // The first wait installs the runtime's handler (it stays for the process).
        std::atomic<bool> waiting{false};
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([](std::atomic<bool>* w) -> task<void> {
                w->store(true);
                auto r = co_await signal(SIGUSR2);
                CHECK(r.has_value());
            }, &waiting);
            while (!waiting.load()) (void)co_await yield_now();
            (void)co_await sleep_for(5ms);
            std::raise(SIGUSR2);
            co_return;
        });
        // Nobody waits now; the signal arrives anyway, and the next wait sees it.
        std::thread([] { std::raise(SIGUSR2); }).join();
        (void)co_await sleep_for(5ms);
        auto next = co_await timeout(5s, signal(SIGUSR2));
        CHECK(next.has_value());
    });
}
