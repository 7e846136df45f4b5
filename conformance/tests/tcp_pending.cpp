// TCP: what a stream does with operations that overlap, the rules a program could
// otherwise use to tell one runtime from another.
//
// - One read and one write may be pending on a stream at a time. A second read (or
//   write) started while one is pending fails at once with device_or_resource_busy;
//   the pending one is unaffected.
// - A cancelled write completes either with operation_canceled, having written
//   nothing, or with the number of bytes it had already handed on (to the kernel, or
//   to the event loop's own queue), and those bytes reach the peer. Either way the
//   peer receives exactly the bytes that the writes reported.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <string_view>
#include <vector>

#include "interop/conformance/loopback.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

std::vector<std::byte> pattern(std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 131 + 7) & 0xff);
    return v;
}

}  // namespace

TEST_CASE(
    "tcp: a second read while one is pending fails at once with device_or_resource_busy; the first "
    "still gets the bytes") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        // Two readers start together; whichever reaches the stream second is refused.
        // Only then does the peer write, so the pending one is still waiting for it.
        event refused;
        io_result<std::size_t> results[2] = {std::size_t{0}, std::size_t{0}};
        char buffers[2][8] = {};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 2; ++i) {
                s.spawn(
                    [&](int me) -> task<void> {
                        results[me] = co_await p.server.read(buffers[me]);
                        if (results[me].is(std::errc::device_or_resource_busy)) refused.set();
                    },
                    i);
            }
            auto seen = co_await timeout(10s, refused.wait());
            CHECK(seen.has_value());
            auto sent = co_await conf::write_text(p.client, "hello");
            CHECK(sent.value() == 5);
        });
        const int busy = results[0].is(std::errc::device_or_resource_busy) ? 0 : 1;
        const int reader = 1 - busy;
        CHECK(results[busy].is(std::errc::device_or_resource_busy));
        REQUIRE(results[reader].has_value());
        // What it read is the start of the bytes (a read may return fewer than were sent).
        REQUIRE(*results[reader] >= 1);
        CHECK(std::string_view("hello").substr(0, *results[reader]) ==
              std::string_view(buffers[reader], *results[reader]));
    });
}

TEST_CASE(
    "tcp: a second write while one is pending fails at once with device_or_resource_busy; the peer "
    "gets exactly what the writes reported") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        // Two writers keep writing while nobody reads: once the send buffer is full one
        // write waits, and the other writer's next write is refused. Then the reader
        // drains, the waiting write completes, and both writers stop.
        const auto chunk = pattern(64 * 1024);
        event refused;
        // The two writers may run on two threads at once (a multi-threaded runtime).
        std::atomic<std::size_t> reported{0};
        std::atomic<int> busy_count{0};
        std::size_t received = 0;
        auto writer = [&]() -> task<void> {
            for (;;) {
                auto n = co_await p.client.write(chunk);
                if (n.is(std::errc::device_or_resource_busy)) {
                    ++busy_count;
                    refused.set();
                    co_return;
                }
                REQUIRE(n.has_value());
                reported += *n;
                if (refused.is_set()) co_return;
            }
        };
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                auto seen = co_await timeout(30s, refused.wait());
                CHECK(seen.has_value());
                std::vector<std::byte> buf(256 * 1024);
                for (;;) {
                    auto n = co_await p.server.read(buf);
                    if (!n || *n == 0) co_return;
                    received += *n;
                }
            });
            co_await with_scope([&](scope& writers) -> task<void> {
                writers.spawn(writer);
                writers.spawn(writer);
                co_return;
            });
            CHECK(p.client.shutdown_write().has_value());
        });
        CHECK(busy_count.load() >= 1);
        CHECK(received == reported.load());
    });
}

TEST_CASE(
    "tcp: a cancelled write reports operation_canceled having written nothing, or the bytes it "
    "handed on; the peer receives exactly the reported bytes") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        const auto data = pattern(8 * 1024 * 1024);
        // Nobody reads: sooner or later a write has to wait for room, and the timeout
        // cancels it.
        std::size_t reported = 0;
        bool cancelled = false;
        while (reported < data.size()) {
            auto n = co_await timeout(100ms, p.client.write(std::span(data).subspan(reported)));
            if (n.is(std::errc::timed_out)) {
                cancelled = true;
                break;
            }
            REQUIRE(n.has_value());
            reported += *n;  // a result, also the count a cancelled write may report
        }
        REQUIRE(cancelled);
        CHECK(p.client.shutdown_write().has_value());
        std::vector<std::byte> received;
        auto n = co_await read_to_end(p.server, received);
        REQUIRE(n.has_value());
        CHECK(received.size() == reported);
        CHECK(std::equal(received.begin(), received.end(), data.begin()));
    });
}
