// io: split and split_owned — a read half and a write half of one stream used from
// two tasks at once, ownership, reunite, and cancellation through a half.
#include <string>
#include <string_view>
#include <vector>

#include "interop/conformance/loopback.hpp"
#include "interop/conformance/suite.hpp"
#include "interop/io.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

static_assert(AsyncRead<read_half<tcp_stream>>);
static_assert(AsyncWrite<write_half<tcp_stream>>);
static_assert(AsyncShutdown<write_half<tcp_stream>>);
static_assert(AsyncRead<read_half<duplex_stream>>);
static_assert(AsyncWrite<write_half<duplex_stream>>);
static_assert(AsyncRead<owned_read_half<tcp_stream>>);
static_assert(AsyncWrite<owned_write_half<tcp_stream>>);
static_assert(AsyncRead<owned_read_half<duplex_stream>>);
static_assert(AsyncWrite<owned_write_half<duplex_stream>>);
static_assert(AsyncShutdown<owned_write_half<duplex_stream>>);

namespace {

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 131 + seed) & 0xff);
    return v;
}

std::span<const std::byte> bytes_of(std::string_view s) {
    return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

// Sends `out` through the write half while the read half collects everything that
// arrives, both at once: neither side can finish unless both directions flow.
template <typename S>
task<void> full_duplex(S* stream, const std::vector<std::byte>* out, std::vector<std::byte>* in) {
    auto halves = split(*stream);
    co_await with_scope([&](scope& s) -> task<void> {
        s.spawn(
            [](write_half<S> w, const std::vector<std::byte>* data) -> task<void> {
                auto n = co_await write_all(w, *data);
                CHECK(n.value() == data->size());
                CHECK(w.shutdown_write().has_value());
            },
            halves.writer, out);
        auto n = co_await read_to_end(halves.reader, *in);
        CHECK(n.has_value());
    });
}

}  // namespace

TEST_CASE("io: split halves read and write the same TCP stream from two tasks at once") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        // Both sides send more than the socket buffers hold before reading anything.
        const auto from_client = pattern(4 * 1024 * 1024, 1);
        const auto from_server = pattern(4 * 1024 * 1024 + 5, 2);
        std::vector<std::byte> at_server;
        std::vector<std::byte> at_client;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(full_duplex<tcp_stream>(&p.server, &from_server, &at_server));
            s.spawn(full_duplex<tcp_stream>(&p.client, &from_client, &at_client));
            co_return;
        });
        CHECK(at_server == from_client);
        CHECK(at_client == from_server);
    });
}

TEST_CASE("io: split halves of a duplex work with the helpers") {
    conf::run([]() -> task<void> {
        auto ends = duplex(32);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        const auto sent = pattern(100 * 1024, 3);
        std::vector<std::byte> echoed;
        co_await with_scope([&](scope& s) -> task<void> {
            // An echo through the halves of b: copy its read half into its write half.
            s.spawn(
                [](duplex_stream* stream) -> task<void> {
                    auto [rd, wr] = split(*stream);
                    auto n = co_await interop::copy(rd, wr);
                    CHECK(n.value() == 100 * 1024);
                    CHECK(wr.shutdown_write().has_value());
                },
                &b);
            s.spawn(full_duplex<duplex_stream>(&a, &sent, &echoed));
            co_return;
        });
        CHECK(echoed == sent);
    });
}

TEST_CASE(
    "io: split_owned halves keep the stream alive; dropping the write half sends end of stream") {
    conf::run([]() -> task<void> {
        auto [mine, peer] = duplex(64);
        auto halves = split_owned(std::move(mine));
        owned_read_half<duplex_stream>& rd = halves.reader;
        // NOLINTNEXTLINE(bugprone-use-after-move): moved into the halves, as tested here
        CHECK_FALSE(mine.is_open());
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](owned_write_half<duplex_stream> w) -> task<void> {
                    (void)co_await write_all(w, bytes_of("from the writer task"));
                },
                std::move(halves.writer));  // the task owns the write half and drops it at its end
            co_return;
        });
        std::string got;
        (void)co_await read_to_end(peer, got);
        CHECK(got == "from the writer task");
        // The read half still works and still owns the stream.
        (void)co_await peer.write(std::string_view("back"));
        char buf[8];
        auto n = co_await rd.read(std::as_writable_bytes(std::span<char>(buf)));
        CHECK(std::string_view(buf, n.value()) == "back");
        CHECK(rd.stream().is_open());
        { auto last = std::move(rd); }  // the last half: the stream is closed
        CHECK((co_await peer.write(std::string_view("x"))).is(std::errc::broken_pipe));
    });
}

TEST_CASE("io: reunite gives the stream back only for halves of the same split") {
    conf::run([]() -> task<void> {
        auto [x, x_peer] = duplex(64);
        auto [y, y_peer] = duplex(64);
        auto [xr, xw] = split_owned(std::move(x));
        auto [yr, yw] = split_owned(std::move(y));
        CHECK_FALSE(reunite(xr, yw).has_value());
        CHECK(xr.stream().is_open());  // untouched
        auto back = reunite(xr, xw);
        REQUIRE(back.has_value());
        CHECK(back->is_open());
        // Reuniting did not shut anything down: the stream works both ways.
        (void)co_await back->write(std::string_view("ok"));
        char buf[4];
        auto n = co_await x_peer.read(buf);
        CHECK(std::string_view(buf, n.value()) == "ok");
        (void)co_await x_peer.write(std::string_view("ok"));
        n = co_await back->read(buf);
        CHECK(std::string_view(buf, n.value()) == "ok");
        (void)y_peer;
    });
}

TEST_CASE("io: a cancelled read on a split half consumes nothing") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        auto [rd, wr] = split(p.server);
        std::vector<std::byte> buf(16);
        auto r = co_await timeout(5ms, rd.read(buf));
        CHECK(r.is(std::errc::timed_out));
        CHECK((co_await conf::write_text(p.client, "after")).has_value());
        CHECK((co_await conf::read_text(rd, 5)).value() == "after");
        (void)wr;
    });
}
