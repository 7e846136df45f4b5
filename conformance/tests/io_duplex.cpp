// io: the in-memory duplex stream — order, back-pressure, half-close, close,
// cancellation, and ends on two runtimes.
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "interop/conformance/suite.hpp"
#include "interop/io.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

static_assert(AsyncRead<duplex_stream>);
static_assert(AsyncWrite<duplex_stream>);
static_assert(AsyncClose<duplex_stream>);
static_assert(AsyncShutdown<duplex_stream>);

namespace {

std::vector<std::byte> pattern(std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 131 + 7) & 0xff);
    return v;
}

std::string as_string(std::span<const char> chars) {
    return std::string(chars.data(), chars.size());
}

}  // namespace

TEST_CASE("io: a duplex carries bytes both ways, in order") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        CHECK((co_await a.write(std::string_view("ping"))).value() == 4);
        CHECK((co_await b.write(std::string_view("pong!"))).value() == 5);
        char buf[16];
        auto n = co_await b.read(buf);
        CHECK(as_string(std::span<const char>(buf, n.value())) == "ping");
        n = co_await a.read(buf);
        CHECK(as_string(std::span<const char>(buf, n.value())) == "pong!");
        // A read takes what is there, no more than the buffer holds.
        (void)co_await a.write(std::string_view("abcdef"));
        n = co_await b.read(std::span<char>(buf, 4));
        CHECK(as_string(std::span<const char>(buf, n.value())) == "abcd");
        n = co_await b.read(buf);
        CHECK(as_string(std::span<const char>(buf, n.value())) == "ef");
    });
}

TEST_CASE(
    "io: a duplex write takes what fits and waits while the buffer is full, until the peer reads") {
    conf::run([]() -> task<void> {
        auto ends = duplex(4);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        // Only 4 of 10 bytes fit: a write reports how many it took.
        auto first = co_await a.write(std::string_view("0123456789"));
        CHECK(first.value() == 4);
        bool second_done = false;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](duplex_stream* w, bool* done) -> task<void> {
                    auto n = co_await w->write(std::string_view("456789"));
                    CHECK(n.value() >= 1);
                    *done = true;
                },
                &a, &second_done);
            for (int i = 0; i < 5; ++i) (void)co_await yield_now();
            CHECK_FALSE(second_done);  // back-pressure: the buffer is full
            char buf[2];
            auto n = co_await b.read(buf);
            CHECK(as_string(std::span<const char>(buf, n.value())) == "01");
        });
        CHECK(second_done);
        char rest[16];
        auto n = co_await b.read(rest);
        CHECK(as_string(std::span<const char>(rest, n.value())) == "2345");
    });
}

TEST_CASE("io: a megabyte through a 7-byte duplex arrives intact and in order") {
    conf::run([]() -> task<void> {
        auto ends = duplex(7);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        const auto sent = pattern(1024 * 1024);
        std::vector<std::byte> received;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](duplex_stream* w, const std::vector<std::byte>* data) -> task<void> {
                    auto n = co_await write_all(*w, *data);
                    CHECK(n.value() == data->size());
                    CHECK(w->shutdown_write().has_value());
                },
                &a, &sent);
            auto n = co_await read_to_end(b, received);
            CHECK(n.value() == sent.size());
        });
        CHECK(received == sent);
    });
}

TEST_CASE(
    "io: after shutdown_write the duplex peer reads the rest, then end of stream repeatedly, and "
    "the other direction still works") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        (void)co_await a.write(std::string_view("last"));
        REQUIRE(a.shutdown_write().has_value());
        CHECK(a.shutdown_write().has_value());  // twice is harmless
        char buf[16];
        auto n = co_await b.read(buf);
        CHECK(as_string(std::span<const char>(buf, n.value())) == "last");
        for (int i = 0; i < 3; ++i) {
            auto eof = co_await b.read(buf);
            REQUIRE(eof.has_value());
            CHECK(*eof == 0);
        }
        CHECK((co_await b.write(std::string_view("reply"))).value() == 5);
        n = co_await a.read(buf);
        CHECK(as_string(std::span<const char>(buf, n.value())) == "reply");
        // Writing after our own shutdown is broken_pipe.
        CHECK((co_await a.write(std::string_view("x"))).is(std::errc::broken_pipe));
    });
}

TEST_CASE("io: a pending duplex read sees end of stream when the peer shuts down") {
    conf::run([]() -> task<void> {
        auto ends = duplex(64);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](duplex_stream* r) -> task<void> {
                    char buf[8];
                    auto n = co_await r->read(buf);
                    REQUIRE(n.has_value());
                    CHECK(*n == 0);
                },
                &b);
            (void)co_await sleep_for(2ms);
            CHECK(a.shutdown_write().has_value());
        });
    });
}

TEST_CASE(
    "io: closing a duplex end gives the peer end of stream and fails the peer's writes with "
    "broken_pipe") {
    conf::run([]() -> task<void> {
        auto ends = duplex(4);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        (void)co_await a.write(std::string_view("ab"));
        (void)co_await b.write(std::string_view("unread"));  // 4 bytes fit; a never reads them
        co_await with_scope([&](scope& s) -> task<void> {
            // b is blocked writing into a full buffer when a closes.
            s.spawn(
                [](duplex_stream* w) -> task<void> {
                    auto n = co_await w->write(std::string_view("more"));
                    CHECK(n.is(std::errc::broken_pipe));
                },
                &b);
            (void)co_await sleep_for(2ms);
            CHECK((co_await a.close()).has_value());
        });
        // What a wrote before closing is still delivered, then end of stream.
        char buf[8];
        auto n = co_await b.read(buf);
        CHECK(as_string(std::span<const char>(buf, n.value())) == "ab");
        CHECK((co_await b.read(buf)).value() == 0);
        CHECK((co_await b.write(std::string_view("x"))).is(std::errc::broken_pipe));
    });
}

TEST_CASE(
    "io: closing a duplex end cancels its own pending read; afterwards it reports "
    "bad_file_descriptor; closing twice is harmless") {
    conf::run([]() -> task<void> {
        auto ends = duplex(16);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        conf::arrival reading;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](duplex_stream* r, conf::arrival* at) -> task<void> {
                    char buf[8];
                    at->arrive();
                    auto n = co_await r->read(buf);
                    CHECK(n.is(std::errc::operation_canceled));
                },
                &a, &reading);
            co_await reading.wait();
            CHECK((co_await a.close()).has_value());
        });
        CHECK_FALSE(a.is_open());
        CHECK(b.is_open());
        CHECK((co_await a.close()).has_value());
        char buf[4];
        CHECK((co_await a.read(buf)).is(std::errc::bad_file_descriptor));
        CHECK((co_await a.write(std::string_view("x"))).is(std::errc::bad_file_descriptor));
        CHECK(a.shutdown_write().is(std::errc::bad_file_descriptor));
    });
}

TEST_CASE("io: destroying a duplex end gives its peer end of stream") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(16);
        (void)co_await a.write(std::string_view("bye"));
        { duplex_stream gone = std::move(a); }
        char buf[8];
        auto n = co_await b.read(buf);
        CHECK(as_string(std::span<const char>(buf, n.value())) == "bye");
        CHECK((co_await b.read(buf)).value() == 0);
        // NOLINTNEXTLINE(bugprone-use-after-move): the moved-from state is what is tested
        CHECK((co_await a.read(buf)).is(std::errc::bad_file_descriptor));
    });
}

TEST_CASE("io: a cancelled duplex read consumes nothing") {
    conf::run([]() -> task<void> {
        auto ends = duplex(16);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        char buf[8];
        // Cancelled by a timeout while parked...
        auto r = co_await timeout(5ms, b.read(buf));
        CHECK(r.is(std::errc::timed_out));
        (void)co_await a.write(std::string_view("kept"));
        auto n = co_await b.read(buf);
        CHECK(as_string(std::span<const char>(buf, n.value())) == "kept");
        // ...and by cancelling its scope.
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](duplex_stream* r2) -> task<void> {
                    char local[8];
                    auto got = co_await r2->read(local);
                    CHECK(got.is(std::errc::operation_canceled));
                },
                &b);
            (void)co_await sleep_for(2ms);
            s.cancel();
            co_return;
        });
        (void)co_await a.write(std::string_view("also"));
        n = co_await b.read(buf);
        CHECK(as_string(std::span<const char>(buf, n.value())) == "also");
    });
}

TEST_CASE("io: a cancelled duplex write writes nothing") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(4);
        CHECK((co_await a.write(std::string_view("full"))).value() == 4);
        auto w = co_await timeout(5ms, a.write(std::string_view("never")));
        CHECK(w.is(std::errc::timed_out));
        CHECK(a.shutdown_write().has_value());
        std::string got;
        auto n = co_await read_to_end(b, got);
        CHECK(n.value() == 4);
        CHECK(got == "full");
    });
}

TEST_CASE(
    "io: duplex bad input: an empty read is invalid_argument, an empty write is 0, a moved-from "
    "stream is bad_file_descriptor, a capacity of 0 is rejected") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(8);
        CHECK((co_await a.read(std::span<std::byte>{})).is(std::errc::invalid_argument));
        auto w = co_await a.write(std::span<const std::byte>{});
        REQUIRE(w.has_value());
        CHECK(*w == 0);
        duplex_stream empty;
        char buf[4];
        CHECK((co_await empty.read(buf)).is(std::errc::bad_file_descriptor));
        CHECK((co_await empty.write(std::string_view("x"))).is(std::errc::bad_file_descriptor));
        CHECK(empty.shutdown_write().is(std::errc::bad_file_descriptor));
        CHECK((co_await empty.close()).has_value());
        CHECK_FALSE(empty.is_open());
        co_return;
    });
    CHECK_THROWS_AS(duplex(0), std::invalid_argument);
}

TEST_CASE("io: duplex ends work across two runtimes on two threads") {
    conf::hang_guard guard;
    auto echo_rt = conf::make_runtime();
    auto client_rt = conf::make_runtime();
    auto ends = duplex(16);
    const auto sent = pattern(200 * 1024);
    std::vector<std::byte> echoed;
    std::thread echo_thread([&] {
        // Echoes everything back until end of stream, then shuts down.
        interop::run(echo_rt->ref(), [](duplex_stream* s, runtime_ref self) -> task<void> {
            std::vector<std::byte> buf(1000);
            for (;;) {
                auto n = co_await s->read(buf);
                REQUIRE(n.has_value());
                CHECK(self.vtable->in_runtime_thread(self.self));
                if (*n == 0) break;
                auto w = co_await write_all(*s, std::span<const std::byte>(buf).first(*n));
                REQUIRE(w.has_value());
            }
            CHECK(s->shutdown_write().has_value());
        }(&ends.second, echo_rt->ref()));
    });
    interop::run(client_rt->ref(),
                 [](duplex_stream* s, const std::vector<std::byte>* data,
                    std::vector<std::byte>* out) -> task<void> {
                     co_await with_scope([&](scope& sc) -> task<void> {
                         sc.spawn(
                             [](duplex_stream* w, const std::vector<std::byte>* d) -> task<void> {
                                 auto n = co_await write_all(*w, *d);
                                 CHECK(n.value() == d->size());
                                 CHECK(w->shutdown_write().has_value());
                             },
                             s, data);
                         auto n = co_await read_to_end(*s, *out);
                         CHECK(n.value() == data->size());
                     });
                 }(&ends.first, &sent, &echoed));
    echo_thread.join();
    CHECK(echoed == sent);
}
