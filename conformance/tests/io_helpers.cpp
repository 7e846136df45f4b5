// io: the free helpers — read_exact, write_all, read_to_end, read_until, copy,
// copy_bidirectional — over duplex streams and TCP loopback, and what each leaves
// behind when cancelled.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "interop/conformance/loopback.hpp"
#include "interop/conformance/suite.hpp"
#include "interop/io.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

std::vector<std::byte> pattern(std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 131 + 7) & 0xff);
    return v;
}

std::span<const std::byte> bytes_of(std::string_view s) {
    return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::string text_of(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// A duplex end whose reads fail after a moment: an error in one direction of
// copy_bidirectional while the other direction is waiting.
struct failing_reads {
    duplex_stream* inner;
    task<io_result<std::size_t>> read(std::span<std::byte>) {
        (void)co_await sleep_for(2ms);
        co_return std::errc::connection_reset;
    }
    auto write(std::span<const std::byte> data) { return inner->write(data); }
    io_result<void> shutdown_write() { return inner->shutdown_write(); }
};

}  // namespace

TEST_CASE("io: write_all and read_exact move every byte over TCP") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        const auto sent = pattern(3 * 1024 * 1024);
        std::vector<std::byte> received(sent.size());
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* c, const std::vector<std::byte>* data) -> task<void> {
                    auto n = co_await write_all(*c, *data);
                    CHECK(n.value() == data->size());
                },
                &p.client, &sent);
            auto n = co_await read_exact(p.server, received);
            CHECK(n.value() == sent.size());
        });
        CHECK(received == sent);
    });
}

TEST_CASE(
    "io: write_all takes text: a string_view, a string and a literal, with a stream's own "
    "write_all and without") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();  // tcp_stream has a write_all of its own
        auto a_b = duplex(64);                       // duplex_stream has none
        const std::string text = "from a string;";
        CHECK((co_await write_all(p.client, std::string_view("view;"))).value() == 5);
        CHECK((co_await write_all(p.client, text)).value() == text.size());
        CHECK((co_await write_all(p.client, "literal")).value() == 7);
        CHECK((co_await conf::read_text(p.server, 5 + text.size() + 7)).value() ==
              "view;from a string;literal");
        CHECK((co_await write_all(a_b.first, std::string_view("duplex"))).value() == 6);
        CHECK((co_await conf::read_text(a_b.second, 6)).value() == "duplex");
    });
}

TEST_CASE("io: read_exact at end of stream is no_message_available and keeps the bytes it read") {
    conf::run([]() -> task<void> {
        auto a_b = duplex(64);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        (void)co_await a.write(std::string_view("abc"));
        CHECK(a.shutdown_write().has_value());
        std::vector<std::byte> buf(10);
        auto n = co_await read_exact(b, buf);
        CHECK(n.is(std::errc::no_message_available));
        CHECK(text_of(std::span(buf).first(3)) == "abc");
    });
}

TEST_CASE(
    "io: read_exact cancelled after 3 of 10 bytes leaves them in the buffer and consumed from the "
    "stream") {
    conf::run([]() -> task<void> {
        auto a_b = duplex(64);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        (void)co_await a.write(std::string_view("abc"));
        std::vector<std::byte> buf(10);
        auto r = co_await timeout(5ms, read_exact(b, buf));
        CHECK(r.is(std::errc::timed_out));
        CHECK(text_of(std::span(buf).first(3)) == "abc");
        // The 3 bytes are gone from the stream: the next read starts after them.
        (void)co_await a.write(std::string_view("defghij"));
        std::vector<std::byte> rest(7);
        auto n = co_await read_exact(b, rest);
        CHECK(n.value() == 7);
        CHECK(text_of(rest) == "defghij");
    });
}

TEST_CASE(
    "io: write_all cancelled while the peer does not read has written exactly what the stream "
    "took") {
    conf::run([]() -> task<void> {
        auto a_b = duplex(4);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        auto w = co_await timeout(5ms, write_all(a, bytes_of("0123456789")));
        CHECK(w.is(std::errc::timed_out));
        CHECK(a.shutdown_write().has_value());
        std::string got;
        (void)co_await read_to_end(b, got);
        CHECK(got == "0123");
    });
}

TEST_CASE(
    "io: write_all over TCP cancelled while the peer does not read delivers a prefix of the data, "
    "and a later write_all follows it") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        // Far more than loopback's send and receive buffers hold: the write must wait.
        const auto first = pattern(32 * 1024 * 1024);
        auto w = co_await timeout(100ms, write_all(p.client, first));
        CHECK(w.is(std::errc::timed_out));
        // The send buffer is full now, so this one's first write usually waits for room.
        std::vector<std::byte> second(1024 * 1024 + 1, std::byte{0xA5});
        std::vector<std::byte> received;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* c, const std::vector<std::byte>* data) -> task<void> {
                    auto n = co_await write_all(*c, *data);
                    CHECK(n.value() == data->size());
                    CHECK(c->shutdown_write().has_value());
                },
                &p.client, &second);
            auto n = co_await read_to_end(p.server, received);
            CHECK(n.has_value());
        });
        // What went out of the cancelled write_all is its data's beginning, with no
        // gap and nothing reordered; the rest was never sent. The second follows whole.
        REQUIRE(received.size() > second.size());
        const std::size_t prefix = received.size() - second.size();
        CHECK(prefix < first.size());
        CHECK(std::equal(received.begin(), received.begin() + static_cast<std::ptrdiff_t>(prefix),
                         first.begin()));
        CHECK(std::equal(second.begin(), second.end(),
                         received.begin() + static_cast<std::ptrdiff_t>(prefix)));
    });
}

TEST_CASE(
    "io: write_all over TCP of nothing is 0, on a closed stream bad_file_descriptor, and the "
    "stream stays usable after a large one") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        auto none = co_await write_all(p.client, std::span<const std::byte>{});
        CHECK(none.value() == 0);
        // Several writes' worth, while the peer reads: short counts are continued.
        const auto sent = pattern(4 * 1024 * 1024 + 3);
        std::vector<std::byte> received(sent.size() + 5);
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* c, const std::vector<std::byte>* data) -> task<void> {
                    auto n = co_await write_all(*c, *data);
                    CHECK(n.value() == data->size());
                    auto tail = co_await write_all(*c, bytes_of("tail!"));
                    CHECK(tail.value() == 5);
                },
                &p.client, &sent);
            auto n = co_await read_exact(p.server, received);
            CHECK(n.value() == received.size());
        });
        CHECK(std::equal(sent.begin(), sent.end(), received.begin()));
        CHECK(text_of(std::span(received).last(5)) == "tail!");
        (void)co_await p.client.close();
        auto closed = co_await write_all(p.client, bytes_of("x"));
        CHECK(closed.is(std::errc::bad_file_descriptor));
    });
}

TEST_CASE("io: read_to_end collects everything up to end of stream, into bytes or a string") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        const auto sent = pattern(1024 * 1024 + 17);
        std::vector<std::byte> received{std::byte{0x55}};  // appended to, not replaced
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* c, const std::vector<std::byte>* data) -> task<void> {
                    (void)co_await write_all(*c, *data);
                    CHECK(c->shutdown_write().has_value());
                },
                &p.client, &sent);
            auto n = co_await read_to_end(p.server, received);
            CHECK(n.value() == sent.size());
        });
        REQUIRE(received.size() == sent.size() + 1);
        CHECK(received[0] == std::byte{0x55});
        CHECK(std::equal(sent.begin(), sent.end(), received.begin() + 1));

        auto a_b = duplex(5);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](duplex_stream* w) -> task<void> {
                    (void)co_await write_all(*w, bytes_of("hello, world"));
                    CHECK(w->shutdown_write().has_value());
                },
                &a);
            std::string text;
            auto n = co_await read_to_end(b, text);
            CHECK(n.value() == 12);
            CHECK(text == "hello, world");
            co_return;
        });
    });
}

TEST_CASE("io: read_to_end cancelled keeps the bytes read so far, and a second call continues") {
    conf::run([]() -> task<void> {
        auto a_b = duplex(64);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        (void)co_await a.write(std::string_view("first "));
        std::string text;
        auto r = co_await timeout(5ms, read_to_end(b, text));
        CHECK(r.is(std::errc::timed_out));
        CHECK(text == "first ");
        (void)co_await a.write(std::string_view("second"));
        CHECK(a.shutdown_write().has_value());
        auto n = co_await read_to_end(b, text);
        CHECK(n.value() == 6);
        CHECK(text == "first second");
    });
}

TEST_CASE(
    "io: read_until stops at the delimiter and leaves what follows in the buffer for the next "
    "call") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        (void)co_await write_all(p.client, bytes_of("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"));
        CHECK(p.client.shutdown_write().has_value());
        std::string buf;
        std::vector<std::string> lines;
        for (;;) {
            auto n = co_await read_until(p.server, buf, '\n');
            REQUIRE(n.has_value());
            if (*n == 0) break;
            lines.push_back(buf.substr(0, *n));
            buf.erase(0, *n);
        }
        const std::vector<std::string> expected{"GET / HTTP/1.1\r\n", "Host: x\r\n", "\r\n",
                                                "body"};
        CHECK(lines == expected);

        // Bytes and a byte delimiter work the same way.
        auto a_b = duplex(64);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        (void)co_await a.write(std::string_view("ab|cd|"));
        std::vector<std::byte> raw;
        auto n = co_await read_until(b, raw, std::byte{'|'});
        CHECK(n.value() == 3);
        CHECK(text_of(raw) == "ab|cd|");  // read in one chunk: the rest waits in raw
        raw.erase(raw.begin(), raw.begin() + 3);
        n = co_await read_until(b, raw, std::byte{'|'});  // answered from raw, no read
        CHECK(n.value() == 3);
    });
}

TEST_CASE("io: read_until returns the unterminated rest at end of stream, then 0") {
    conf::run([]() -> task<void> {
        auto a_b = duplex(64);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        (void)co_await a.write(std::string_view("no newline"));
        CHECK(a.shutdown_write().has_value());
        std::string buf;
        auto n = co_await read_until(b, buf, '\n');
        CHECK(n.value() == 10);
        CHECK(buf == "no newline");
        buf.clear();
        n = co_await read_until(b, buf, '\n');
        CHECK(n.value() == 0);
    });
}

TEST_CASE("io: read_until refuses a line longer than max_length with line_too_long") {
    conf::run([]() -> task<void> {
        auto a_b = duplex(64);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        (void)co_await a.write(std::string_view("0123456789ABCDEF\n"));
        std::string buf;
        auto n = co_await read_until(b, buf, '\n', 8);
        CHECK(n.is(io_errc::line_too_long));
        CHECK(n.error() == std::errc::message_size);  // the portable condition
        CHECK(buf.size() <= 9);                       // it stopped reading at the limit
        // A line of exactly the limit is fine.
        auto c_d = duplex(64);
        duplex_stream& c = c_d.first;
        duplex_stream& d = c_d.second;
        (void)co_await c.write(std::string_view("01234567\n"));
        std::string ok;
        n = co_await read_until(d, ok, '\n', 8);
        CHECK(n.value() == 9);
    });
}

TEST_CASE(
    "io: read_until cancelled keeps the partial line in the buffer; calling again completes it") {
    conf::run([]() -> task<void> {
        auto a_b = duplex(64);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        (void)co_await a.write(std::string_view("hal"));
        std::string buf;
        auto r = co_await timeout(5ms, read_until(b, buf, '\n'));
        CHECK(r.is(std::errc::timed_out));
        CHECK(buf == "hal");
        (void)co_await a.write(std::string_view("f\nnext"));
        auto n = co_await read_until(b, buf, '\n');
        CHECK(n.value() == 5);
        CHECK(buf.substr(0, 5) == "half\n");
    });
}

TEST_CASE("io: copy moves every byte from reader to writer and returns the count") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        auto a_b = duplex(1000);
        duplex_stream& a = a_b.first;
        duplex_stream& b = a_b.second;
        const auto sent = pattern(2 * 1024 * 1024 + 3);
        std::vector<std::byte> received;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* c, const std::vector<std::byte>* data) -> task<void> {
                    (void)co_await write_all(*c, *data);
                    CHECK(c->shutdown_write().has_value());
                },
                &p.client, &sent);
            // TCP server -> duplex a; the copy does not shut a down, we do.
            s.spawn(
                [](tcp_stream* from, duplex_stream* to) -> task<void> {
                    auto n = co_await interop::copy(*from, *to);
                    CHECK(n.value() == 2 * 1024 * 1024 + 3);
                    CHECK(to->shutdown_write().has_value());
                },
                &p.server, &a);
            (void)co_await read_to_end(b, received);
        });
        CHECK(received == sent);
        // With a caller's buffer; an empty one is invalid_argument.
        auto c_d = duplex(64);
        duplex_stream& c = c_d.first;
        duplex_stream& d = c_d.second;
        auto e_f = duplex(64);
        duplex_stream& e = e_f.first;
        duplex_stream& f = e_f.second;
        (void)co_await c.write(std::string_view("xyz"));
        CHECK(c.shutdown_write().has_value());
        std::byte small[2];
        auto n = co_await interop::copy(d, e, small);
        CHECK(n.value() == 3);
        CHECK(
            (co_await interop::copy(d, e, std::span<std::byte>{})).is(std::errc::invalid_argument));
        CHECK(e.shutdown_write().has_value());
        std::string out;
        (void)co_await read_to_end(f, out);
        CHECK(out == "xyz");
    });
}

TEST_CASE("io: copy cancelled while the writer is full loses only the chunk in flight") {
    conf::run([]() -> task<void> {
        auto src_in_src = duplex(64);
        duplex_stream& src_in = src_in_src.first;
        duplex_stream& src = src_in_src.second;
        auto dst_dst_out = duplex(4);
        duplex_stream& dst = dst_dst_out.first;
        duplex_stream& dst_out = dst_dst_out.second;
        (void)co_await src_in.write(std::string_view("0123456789"));
        // copy reads all 10 bytes, writes 4, and waits for room: then the deadline.
        auto r = co_await timeout(5ms, copy(src, dst));
        CHECK(r.is(std::errc::timed_out));
        (void)co_await src_in.write(std::string_view("after"));
        CHECK(src_in.shutdown_write().has_value());
        CHECK(dst.shutdown_write().has_value());
        std::string delivered;
        (void)co_await read_to_end(dst_out, delivered);
        CHECK(delivered == "0123");  // written in order, exactly once
        std::string left;
        (void)co_await read_to_end(src, left);
        CHECK(left == "after");  // "456789" was the chunk in flight
    });
}

TEST_CASE(
    "io: copy_bidirectional copies both ways until both ends are done and shuts down each write "
    "half") {
    conf::run([]() -> task<void> {
        // client <-> [a | copy_bidirectional | b] <-> server
        auto client_a = duplex(16);
        duplex_stream& client = client_a.first;
        duplex_stream& a = client_a.second;
        auto b_server = duplex(16);
        duplex_stream& b = b_server.first;
        duplex_stream& server = b_server.second;
        std::string at_server;
        std::string at_client;
        io_result<copy_counts> counts = std::errc::io_error;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](duplex_stream* x, duplex_stream* y, io_result<copy_counts>* out) -> task<void> {
                    *out = co_await copy_bidirectional(*x, *y);
                },
                &a, &b, &counts);
            s.spawn(
                [](duplex_stream* c, std::string* got) -> task<void> {
                    (void)co_await write_all(*c, bytes_of("request from the client"));
                    CHECK(c->shutdown_write().has_value());
                    (void)co_await read_to_end(*c, *got);  // ends because a was shut down
                },
                &client, &at_client);
            // The server sees the client's end of stream, then answers.
            (void)co_await read_to_end(server, at_server);
            (void)co_await write_all(server, bytes_of("longer answer from the server"));
            CHECK(server.shutdown_write().has_value());
        });
        CHECK(at_server == "request from the client");
        CHECK(at_client == "longer answer from the server");
        REQUIRE(counts.has_value());
        CHECK(counts->a_to_b == 23);
        CHECK(counts->b_to_a == 29);
    });
}

TEST_CASE("io: copy_bidirectional proxies a TCP connection") {
    conf::run([]() -> task<void> {
        auto front = co_await conf::connect_loopback();  // client -> proxy
        auto back = co_await conf::connect_loopback();   // proxy -> server
        const auto request = pattern(300 * 1024);
        const auto reply = pattern(500 * 1024 + 1);
        std::vector<std::byte> got_request;
        std::vector<std::byte> got_reply;
        io_result<copy_counts> counts = std::errc::io_error;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* x, tcp_stream* y, io_result<copy_counts>* out) -> task<void> {
                    *out = co_await copy_bidirectional(*x, *y);
                },
                &front.server, &back.client, &counts);
            s.spawn(
                [](tcp_stream* c, const std::vector<std::byte>* data,
                   std::vector<std::byte>* got) -> task<void> {
                    co_await with_scope([&](scope& inner) -> task<void> {
                        inner.spawn(
                            [](tcp_stream* w, const std::vector<std::byte>* d) -> task<void> {
                                (void)co_await write_all(*w, *d);
                                CHECK(w->shutdown_write().has_value());
                            },
                            c, data);
                        (void)co_await read_to_end(*c, *got);
                    });
                },
                &front.client, &request, &got_reply);
            (void)co_await read_to_end(back.server, got_request);
            (void)co_await write_all(back.server, reply);
            CHECK(back.server.shutdown_write().has_value());
        });
        CHECK(got_request == request);
        CHECK(got_reply == reply);
        REQUIRE(counts.has_value());
        CHECK(counts->a_to_b == request.size());
        CHECK(counts->b_to_a == reply.size());
    });
}

TEST_CASE("io: copy_bidirectional returns the first error and stops the other direction") {
    conf::run([]() -> task<void> {
        auto x_a = duplex(16);
        duplex_stream& x = x_a.first;
        duplex_stream& a = x_a.second;
        auto b_y = duplex(16);
        duplex_stream& b = b_y.first;
        duplex_stream& y = b_y.second;
        failing_reads broken{&a};
        // b -> a waits for data that never comes; a's reads fail.
        auto r = co_await timeout(10s, copy_bidirectional(broken, b));
        CHECK(r.is(std::errc::connection_reset));
        (void)x;
        (void)y;
    });
}

TEST_CASE("io: copy_bidirectional cancelled stops both directions") {
    conf::run([]() -> task<void> {
        auto x_a = duplex(16);
        duplex_stream& x = x_a.first;
        duplex_stream& a = x_a.second;
        auto b_y = duplex(16);
        duplex_stream& b = b_y.first;
        duplex_stream& y = b_y.second;
        (void)co_await x.write(std::string_view("in flight"));
        auto r = co_await timeout(5ms, copy_bidirectional(a, b));
        CHECK(r.is(std::errc::timed_out));
        // What was copied before the cancellation arrived intact; nothing was shut down.
        char buf[16];
        auto n = co_await y.read(buf);
        CHECK(std::string_view(buf, n.value()) == "in flight");
        CHECK((co_await b.write(std::string_view("still open"))).value() == 10);
    });
}

TEST_CASE("io: a read_buffer keeps the unread bytes in order while it moves them and grows") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        read_buffer in(8);
        std::string sent;
        std::string used;
        for (int round = 0; round < 50; ++round) {
            const std::string piece = "piece " + std::to_string(round) + ";";
            sent += piece;
            CHECK((co_await conf::write_text(a, piece)).has_value());
            // Asks for more room than is left: moves the unread bytes or grows.
            auto space = in.space(static_cast<std::size_t>(round % 7) + 1);
            CHECK(space.size() >= static_cast<std::size_t>(round % 7) + 1);
            auto n = co_await b.read(space);
            REQUIRE(n.has_value());
            in.commit(*n);
            // Uses all but the last three unread bytes: some stay for the next round.
            const std::size_t take = in.size() > 3 ? in.size() - 3 : 0;
            used += in.data().substr(0, take);
            in.consume(take);
        }
        // What the small reads left in the duplex.
        while (used.size() + in.size() < sent.size()) {
            auto n = co_await b.read(in.space(64));
            REQUIRE(n.has_value());
            REQUIRE(*n > 0);
            in.commit(*n);
        }
        used += in.data();
        in.consume(in.size());
        CHECK(in.empty());
        CHECK(used == sent);
        // Room bigger than the capacity grows it, keeping what is unread.
        read_buffer small(1);
        auto room = small.space(1);
        room[0] = std::byte{'x'};
        small.commit(1);
        CHECK(small.space(10000).size() >= 10000);
        CHECK(small.data() == "x");
        CHECK(small.capacity() >= 10001);
    });
}
