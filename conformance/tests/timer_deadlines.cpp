// timeout() over a stream's read or write: the operation waits under its task's
// deadline timer, which is armed lazily and may outlive the operation that armed it
// (interop/detail/deadline_slot.hpp). These pin what that must never show: a deadline
// taken from an earlier operation, a later deadline held up by an earlier one's timer,
// a task kept alive by a timer nobody needs, and a cancellation reported as a timeout.
#include <array>
#include <optional>

#include "interop/conformance/loopback.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

// One byte from the client, read by the server under `limit`. The read starts before
// the byte is sent, so that it waits (a read that finds its bytes ready never does).
task<bool> round_trip_under(conf::loopback_pair& p, duration limit) {
    auto writer = co_await spawn([&]() -> task<bool> {
        (void)co_await yield_now();
        const std::array<std::byte, 1> out{std::byte{42}};
        auto wrote = co_await p.client.write(out);
        co_return wrote.has_value() && *wrote == 1;
    });
    std::array<std::byte, 1> in{};
    auto n = co_await timeout(limit, p.server.read(in));
    auto wrote = co_await writer;
    co_return wrote.has_value() && *wrote&& n.has_value() && *n == 1 && in[0] == std::byte{42};
}

}  // namespace

TEST_CASE("timer: a read under timeout times out at its own deadline, not at an earlier read's") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        for (int i = 0; i < 20; ++i) CHECK(co_await round_trip_under(p, 100ms));
        std::array<std::byte, 8> in{};
        const time_point start = co_await now();
        auto r = co_await timeout(100ms, p.server.read(in));
        CHECK(r.is(std::errc::timed_out));
        CHECK(co_await now() - start >= 100ms);
        // The stream still works, and nothing was consumed by the timed-out read.
        CHECK(co_await round_trip_under(p, 10s));
    });
}

TEST_CASE("timer: a read under a short timeout after reads under a long one times out on time") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        CHECK(co_await round_trip_under(p, 1h));
        std::array<std::byte, 8> in{};
        const time_point start = co_await now();
        auto r = co_await timeout(20ms, p.server.read(in));
        CHECK(r.is(std::errc::timed_out));
        const duration waited = co_await now() - start;
        CHECK(waited >= 20ms);
        CHECK(waited < 30min);  // not held up by the first read's deadline
    });
}

TEST_CASE("timer: a task whose reads finished under a long timeout ends without waiting for it") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        const time_point start = co_await now();
        auto reader =
            co_await spawn([&]() -> task<bool> { co_return co_await round_trip_under(p, 1h); });
        auto read = co_await reader;
        REQUIRE(read.has_value());
        CHECK(*read);
        CHECK(co_await now() - start < 30min);
    });
}

TEST_CASE("timer: a write under timeout times out while the peer reads nothing") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        std::vector<std::byte> block(64 * 1024, std::byte{7});
        std::size_t written = 0;
        std::optional<io_result<std::size_t>> last;
        // Each write takes what fits; once the buffers are full one waits and times out.
        for (int i = 0; i < 100000 && !(last && !last->has_value()); ++i) {
            last = co_await timeout(50ms, p.server.write(block));
            if (last->has_value()) written += **last;
        }
        REQUIRE(last.has_value());
        CHECK(last->is(std::errc::timed_out));
        CHECK(written > 0);
        // The peer gets every byte that was reported written, and no more.
        std::size_t received = 0;
        std::vector<std::byte> in(64 * 1024);
        auto closed = p.server.shutdown_write();
        CHECK(closed.has_value());
        for (;;) {
            auto n = co_await timeout(10s, p.client.read(in));
            REQUIRE(n.has_value());
            if (*n == 0) break;
            received += *n;
        }
        CHECK(received == written);
    });
}

TEST_CASE("timer: cancelling a task whose read waits under timeout reports operation_canceled") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        event reading;
        std::optional<io_result<std::size_t>> seen;
        auto h = co_await spawn([&]() -> task<void> {
            std::array<std::byte, 1> in{};
            reading.set();
            seen = co_await timeout(1h, p.server.read(in));
        });
        (void)co_await reading.wait();
        (void)co_await sleep_for(5ms);
        h.cancel();
        (void)co_await h;
        REQUIRE(seen.has_value());
        CHECK(seen->is(std::errc::operation_canceled));
        // The cancelled read consumed nothing.
        CHECK(co_await round_trip_under(p, 10s));
    });
}
