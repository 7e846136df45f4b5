// Cancellation behaviours of the catalogue that cancellation.cpp does not pin already:
// buffers after a cancelled read, cancelled writes, and scope cancellation joining.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "interop/conformance/loopback.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE(
    "cancellation: a cancelled read never writes into its buffer after it reported completion") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        std::vector<std::byte> buffer(64, std::byte{0xAA});
        auto r = co_await timeout(2ms, p.server.read(buffer));
        CHECK(r.is(std::errc::timed_out));
        // A buffer freed right after its read was cancelled: a late write into it is
        // a use after free, which the sanitizer builds report.
        auto freed = std::make_unique<std::byte[]>(64);
        auto r2 = co_await timeout(2ms, p.server.read(std::span(freed.get(), 64)));
        CHECK(r2.is(std::errc::timed_out));
        freed.reset();

        CHECK((co_await conf::write_text(p.client, "fresh")).has_value());
        (void)co_await sleep_for(10ms);  // time enough for a broken adapter to write late
        const bool untouched = std::all_of(buffer.begin(), buffer.end(),
                                           [](std::byte b) { return b == std::byte{0xAA}; });
        CHECK(untouched);
        auto n = co_await timeout(5s, conf::read_text(p.server, 5));
        CHECK(n.value() == "fresh");
    });
}

TEST_CASE(
    "cancellation: a write cancelled while the send buffer is full reports what it wrote or "
    "nothing") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        // Nobody reads, so the buffers fill; then a write waits and is cancelled by its
        // deadline. Whatever the writes reported is exactly what the peer receives.
        std::size_t reported = 0;
        for (int i = 0; i < 10000; ++i) {
            const auto chunk = conf::pattern(reported, 64 * 1024);
            auto w = co_await timeout(20ms, p.client.write(chunk));
            if (!w) {
                CHECK(w.is(std::errc::timed_out));
                break;
            }
            CHECK(*w > 0);
            reported += *w;
        }
        REQUIRE(p.client.shutdown_write().has_value());
        std::size_t received = 0;
        bool in_order = true;
        std::vector<std::byte> buffer(256 * 1024);
        for (;;) {
            auto n = co_await timeout(5s, p.server.read(buffer));
            REQUIRE(n.has_value());
            if (*n == 0) break;
            for (std::size_t k = 0; k < *n; ++k)
                in_order = in_order && buffer[k] == conf::pattern_byte(received + k);
            received += *n;
        }
        CHECK(received == reported);
        CHECK(in_order);
    });
}

TEST_CASE(
    "cancellation: cancelling a scope cancels its children, then joins them before it is left") {
    conf::run([]() -> task<void> {
        // Atomic: on a multi-threaded runtime the children run in parallel.
        std::atomic<int> cancelled{0};
        std::atomic<int> finished{0};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 5; ++i) {
                s.spawn(
                    [](std::atomic<int>* c, std::atomic<int>* f) -> task<void> {
                        auto r = co_await sleep_for(24h);
                        if (r.is(std::errc::operation_canceled)) c->fetch_add(1);
                        (void)co_await yield_now();  // work after the cancellation is still joined
                        f->fetch_add(1);
                    },
                    &cancelled, &finished);
            }
            (void)co_await sleep_for(1ms);
            s.cancel();
            co_return;
        });
        CHECK(cancelled.load() == 5);
        CHECK(finished.load() == 5);
    });
}
