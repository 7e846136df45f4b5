// io: framed — length-delimited frames over duplex streams and TCP, limits,
// truncation, and cancellation in both directions.
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "interop/conformance/loopback.hpp"
#include "interop/conformance/suite.hpp"
#include "interop/io.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

static_assert(AsyncIterator<framed<duplex_stream>>);
static_assert(AsyncIterator<framed<tcp_stream&>>);
static_assert(std::is_same_v<iter_value_t<framed<tcp_stream>>, io_result<std::vector<std::byte>>>);
static_assert(AsyncIterator<framed<read_half<tcp_stream>>>);  // receive-only over a read half
template <typename F>
concept can_receive = requires(F& f) {
    f.next();
};
template <typename F>
concept can_send = requires(F& f, std::span<const std::byte> b) {
    f.send(b);
};
static_assert(!can_receive<framed<write_half<tcp_stream>>>);  // send-only over a write half
static_assert(!can_send<framed<read_half<tcp_stream>>>);
static_assert(can_send<framed<write_half<tcp_stream>>>);
static_assert(std::is_same_v<decltype(framed(std::declval<tcp_stream&>())), framed<tcp_stream&>>);
static_assert(std::is_same_v<decltype(framed(std::declval<tcp_stream>(), framed_options{})),
                             framed<tcp_stream>>);

namespace {

std::vector<std::byte> pattern(std::size_t n, unsigned seed = 7) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 131 + seed) & 0xff);
    return v;
}

std::vector<std::byte> bytes(std::string_view s) {
    const auto b = std::as_bytes(std::span<const char>(s.data(), s.size()));
    return {b.begin(), b.end()};
}

std::vector<std::byte> raw(std::initializer_list<int> values) {
    std::vector<std::byte> v;
    for (int x : values) v.push_back(static_cast<std::byte>(x));
    return v;
}

const std::vector<std::size_t> frame_sizes{0, 1, 3, 255, 256, 65535, 65536, 1024 * 1024};

}  // namespace

TEST_CASE("io: framed sends and receives frames of every size, including empty ones, over TCP") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* c) -> task<void> {
                    framed out(*c);
                    unsigned seed = 0;
                    for (std::size_t size : frame_sizes) {
                        const auto payload = pattern(size, seed++);
                        auto sent = co_await out.send(payload);
                        REQUIRE(sent.has_value());
                    }
                    CHECK(c->shutdown_write().has_value());
                },
                &p.client);
            framed in(p.server);
            unsigned seed = 0;
            std::size_t count = 0;
            while (auto frame = co_await in.next()) {
                REQUIRE(frame->has_value());
                REQUIRE(count < frame_sizes.size());
                CHECK(**frame == pattern(frame_sizes[count], seed++));
                ++count;
            }
            CHECK(count == frame_sizes.size());
            CHECK_FALSE((co_await in.next()).has_value());  // fused
        });
    });
}

TEST_CASE("io: framed writes a 4-byte big-endian length before the payload") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(1024);
        framed f(a);
        const auto hi = bytes("hi");
        REQUIRE((co_await f.send(hi)).has_value());
        const auto body258 = pattern(258);
        REQUIRE((co_await f.send(body258)).has_value());
        CHECK(a.shutdown_write().has_value());
        std::vector<std::byte> wire;
        (void)co_await read_to_end(b, wire);
        auto expected = raw({0, 0, 0, 2, 'h', 'i', 0, 0, 1, 2});
        const auto body = pattern(258);
        expected.insert(expected.end(), body.begin(), body.end());
        CHECK(wire == expected);
    });
}

TEST_CASE("io: framed recv reuses the caller's vector and ends cleanly between frames") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(1024);
        framed sender(a);
        const auto first = bytes("first");
        (void)co_await sender.send(first);
        const auto second = bytes("2nd");
        (void)co_await sender.send(second);
        CHECK(a.shutdown_write().has_value());
        framed receiver(b);
        std::vector<std::byte> frame;
        frame.reserve(64);
        const auto* storage = frame.data();
        auto got = co_await receiver.recv(frame);
        CHECK(got.value());
        CHECK(frame == bytes("first"));
        got = co_await receiver.recv(frame);
        CHECK(got.value());
        CHECK(frame == bytes("2nd"));
        CHECK(frame.data() == storage);  // no new allocation
        got = co_await receiver.recv(frame);
        REQUIRE(got.has_value());
        CHECK_FALSE(*got);  // end of stream between frames
    });
}

TEST_CASE("io: end of stream inside a frame is no_message_available, not a silent end") {
    conf::run([]() -> task<void> {
        // Inside the payload.
        auto [a, b] = duplex(64);
        const auto truncated = raw({0, 0, 0, 5, 'a', 'b'});
        (void)co_await write_all(a, truncated);
        CHECK(a.shutdown_write().has_value());
        framed in(b);
        auto frame = co_await in.next();
        REQUIRE(frame.has_value());
        CHECK(frame->is(std::errc::no_message_available));
        CHECK_FALSE((co_await in.next()).has_value());  // the error was the last item
        // Inside the length.
        auto [c, d] = duplex(64);
        const auto half_length = raw({0, 0});
        (void)co_await write_all(c, half_length);
        CHECK(c.shutdown_write().has_value());
        framed in2(d);
        std::vector<std::byte> out;
        CHECK((co_await in2.recv(out)).is(std::errc::no_message_available));
    });
}

TEST_CASE("io: framed refuses a frame longer than the limit, on send and on receive") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        framed small(a, {.max_frame_length = 16});
        CHECK(small.max_frame_length() == 16);
        const auto too_big = pattern(17);
        auto sent = co_await small.send(too_big);
        CHECK(sent.is(io_errc::frame_too_long));
        CHECK(sent.error() == std::errc::message_size);
        const auto at_limit = pattern(16);
        REQUIRE((co_await small.send(at_limit)).has_value());  // the limit itself is fine
        CHECK(a.shutdown_write().has_value());
        std::vector<std::byte> wire;
        (void)co_await read_to_end(b, wire);
        CHECK(wire.size() == 4 + 16);  // nothing of the refused frame was written

        // A peer announcing 4 GiB - 1 cannot make the reader allocate it.
        auto [c, d] = duplex(64);
        const auto huge_length = raw({0xff, 0xff, 0xff, 0xff, 'x'});
        (void)co_await write_all(c, huge_length);
        framed in(d, {.max_frame_length = 1024});
        auto frame = co_await in.next();
        REQUIRE(frame.has_value());
        CHECK(frame->is(io_errc::frame_too_long));
        CHECK_FALSE((co_await in.next()).has_value());
    });
}

TEST_CASE(
    "io: a cancelled framed receive keeps the partial frame; the next call returns it whole") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        framed in(b);
        const auto partial = raw({0, 0, 0, 10, '0', '1', '2', '3'});
        (void)co_await write_all(a, partial);
        std::vector<std::byte> frame;
        auto r = co_await timeout(5ms, in.recv(frame));
        CHECK(r.is(std::errc::timed_out));
        CHECK(frame.empty());
        const auto rest = bytes("456789");
        (void)co_await write_all(a, rest);
        auto got = co_await in.recv(frame);
        CHECK(got.value());
        CHECK(frame == bytes("0123456789"));

        // next() reports the cancellation as its last item; recv() still works after it.
        const auto partial2 = raw({0, 0, 0, 3, 'a'});
        (void)co_await write_all(a, partial2);
        auto item = co_await timeout(5ms, in.next());
        REQUIRE(item.has_value());
        REQUIRE(item->has_value());
        CHECK((*item)->is(std::errc::operation_canceled));
        CHECK_FALSE((co_await in.next()).has_value());
        const auto rest2 = bytes("bc");
        (void)co_await write_all(a, rest2);
        got = co_await in.recv(frame);
        CHECK(got.value());
        CHECK(frame == bytes("abc"));
    });
}

TEST_CASE(
    "io: a cancelled framed send leaves the stream well-formed: the rest goes out first with the "
    "next send") {
    conf::run([]() -> task<void> {
        auto ends = duplex(8);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        framed out(a);
        // Part-way: 8 of 4 + 20 bytes fit, then the deadline.
        const auto first = pattern(20);
        auto r = co_await timeout(5ms, out.send(first));
        CHECK(r.is(std::errc::timed_out));
        std::vector<std::vector<std::byte>> received;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](duplex_stream* peer, std::vector<std::vector<std::byte>>* got) -> task<void> {
                    framed in(*peer);
                    while (auto frame = co_await in.next()) {
                        REQUIRE(frame->has_value());
                        got->push_back(std::move(**frame));
                    }
                },
                &b, &received);
            const auto second = bytes("second");
            REQUIRE((co_await out.send(second)).has_value());
            CHECK(a.shutdown_write().has_value());
        });
        REQUIRE(received.size() == 2);
        CHECK(received[0] == first);
        CHECK(received[1] == bytes("second"));
    });
}

TEST_CASE("io: a framed send cancelled before any byte went out is not sent at all") {
    conf::run([]() -> task<void> {
        auto ends = duplex(8);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        framed out(a);
        const auto full = bytes("full");
        REQUIRE((co_await out.send(full)).has_value());  // 4 + 4 bytes: the buffer is full
        const auto dropped = bytes("dropped");
        auto r = co_await timeout(5ms, out.send(dropped));
        CHECK(r.is(std::errc::timed_out));
        std::vector<std::vector<std::byte>> received;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](duplex_stream* peer, std::vector<std::vector<std::byte>>* got) -> task<void> {
                    framed in(*peer);
                    while (auto frame = co_await in.next()) {
                        REQUIRE(frame->has_value());
                        got->push_back(std::move(**frame));
                    }
                },
                &b, &received);
            const auto third = bytes("third");
            REQUIRE((co_await out.send(third)).has_value());
            CHECK(a.shutdown_write().has_value());
        });
        REQUIRE(received.size() == 2);
        CHECK(received[0] == bytes("full"));
        CHECK(received[1] == bytes("third"));
    });
}

TEST_CASE("io: framed receives in one task while another sends, over TCP") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        constexpr int count = 200;
        co_await with_scope([&](scope& s) -> task<void> {
            // The server echoes each frame back.
            s.spawn(
                [](tcp_stream* srv) -> task<void> {
                    framed echo(*srv);
                    std::vector<std::byte> frame;
                    for (;;) {
                        auto got = co_await echo.recv(frame);
                        REQUIRE(got.has_value());
                        if (!*got) break;
                        REQUIRE((co_await echo.send(frame)).has_value());
                    }
                    CHECK(srv->shutdown_write().has_value());
                },
                &p.server);
            framed client(p.client);
            co_await with_scope([&](scope& inner) -> task<void> {
                inner.spawn(
                    [](framed<tcp_stream&>* f, tcp_stream* c) -> task<void> {
                        for (int i = 0; i < count; ++i) {
                            auto payload =
                                pattern(static_cast<std::size_t>(i) * 97, static_cast<unsigned>(i));
                            REQUIRE((co_await f->send(payload)).has_value());
                        }
                        CHECK(c->shutdown_write().has_value());
                    },
                    &client, &p.client);
                int i = 0;
                while (auto frame = co_await client.next()) {
                    REQUIRE(frame->has_value());
                    CHECK(**frame ==
                          pattern(static_cast<std::size_t>(i) * 97, static_cast<unsigned>(i)));
                    ++i;
                }
                CHECK(i == count);
            });
        });
    });
}

TEST_CASE(
    "io: framed works over split halves: a receive-only and a send-only framer on one TCP stream") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        auto halves = split(p.client);
        framed<read_half<tcp_stream>> in(halves.reader);
        framed<write_half<tcp_stream>> out(halves.writer);
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* srv) -> task<void> {
                    framed echo(*srv);
                    std::vector<std::byte> frame;
                    for (;;) {
                        auto got = co_await echo.recv(frame);
                        REQUIRE(got.has_value());
                        if (!*got) break;
                        REQUIRE((co_await echo.send(frame)).has_value());
                    }
                    CHECK(srv->shutdown_write().has_value());
                },
                &p.server);
            s.spawn(
                [](framed<write_half<tcp_stream>>* f, write_half<tcp_stream>* w) -> task<void> {
                    for (std::string_view word : {"one", "", "three"}) {
                        const auto payload = bytes(word);
                        REQUIRE((co_await f->send(payload)).has_value());
                    }
                    CHECK(w->shutdown_write().has_value());
                },
                &out, &halves.writer);
            std::vector<std::vector<std::byte>> got;
            while (auto frame = co_await in.next()) {
                REQUIRE(frame->has_value());
                got.push_back(std::move(**frame));
            }
            REQUIRE(got.size() == 3);
            CHECK(got[0] == bytes("one"));
            CHECK(got[1].empty());
            CHECK(got[2] == bytes("three"));
        });
    });
}
