// io: buffered_reader (read, fill_buf/consume, read_until, lines) and
// buffered_writer (coalescing, flush, close), and what a cancellation leaves behind.
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

// Borrow an lvalue, own an rvalue.
static_assert(std::is_same_v<decltype(buffered_reader(std::declval<duplex_stream&>())),
                             buffered_reader<duplex_stream&>>);
static_assert(std::is_same_v<decltype(buffered_reader(std::declval<duplex_stream>())),
                             buffered_reader<duplex_stream>>);
static_assert(std::is_same_v<decltype(buffered_writer(std::declval<tcp_stream&>(),
                                                      buffered_writer_options{})),
                             buffered_writer<tcp_stream&>>);
static_assert(std::is_same_v<decltype(buffered_writer(std::declval<tcp_stream>())),
                             buffered_writer<tcp_stream>>);

static_assert(AsyncRead<buffered_reader<duplex_stream>>);
static_assert(AsyncRead<buffered_reader<tcp_stream&>>);
static_assert(AsyncWrite<buffered_reader<tcp_stream>>);  // the write direction passes through
static_assert(AsyncClose<buffered_reader<tcp_stream>>);
static_assert(AsyncShutdown<buffered_reader<duplex_stream>>);
static_assert(AsyncWrite<buffered_writer<duplex_stream>>);
static_assert(AsyncWrite<buffered_writer<tcp_stream&>>);
static_assert(AsyncClose<buffered_writer<tcp_stream>>);
static_assert(AsyncShutdown<buffered_writer<duplex_stream>>);
static_assert(AsyncRead<buffered_writer<duplex_stream>>);  // the read direction passes through
static_assert(AsyncIterator<decltype(std::declval<buffered_reader<duplex_stream>&>().lines())>);
static_assert(
    std::is_same_v<iter_value_t<decltype(std::declval<buffered_reader<duplex_stream>&>().lines())>,
                   io_result<std::string>>);

namespace {

std::string text_of(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// Counts the reads and writes that reach the stream underneath.
struct counted {
    explicit counted(duplex_stream* stream) noexcept : inner(stream) {}
    duplex_stream* inner;
    int reads = 0;
    std::vector<std::size_t> writes;

    auto read(std::span<std::byte> buffer) {
        ++reads;
        return inner->read(buffer);
    }
    auto write(std::span<const std::byte> data) {
        writes.push_back(data.size());
        return inner->write(data);
    }
    io_result<void> shutdown_write() { return inner->shutdown_write(); }
    auto close() { return inner->close(); }
};

}  // namespace

TEST_CASE("io: buffered_reader serves many small reads from one read of the stream") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(1024);
        std::string sent;
        for (int i = 0; i < 100; ++i) sent.push_back(static_cast<char>('a' + i % 26));
        (void)co_await a.write(std::string_view(sent));
        counted c(&b);
        buffered_reader reader(c, {.capacity = 64});
        std::string got;
        for (int i = 0; i < 64; ++i) {
            char one[1];
            auto n = co_await reader.read(one);
            REQUIRE(n.value() == 1);
            got.push_back(one[0]);
        }
        CHECK(c.reads == 1);
        char rest[100];
        auto n = co_await reader.read(rest);  // the buffer is empty: one more read
        got.append(rest, n.value());
        CHECK(c.reads == 2);
        CHECK(got == sent);
    });
}

TEST_CASE(
    "io: buffered_reader reads a request at least as large as its buffer straight into the "
    "caller's buffer") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(1024);
        (void)co_await a.write(std::string_view("0123456789abcdefghij"));
        counted c(&b);
        buffered_reader reader(c, {.capacity = 16});
        char big[16];
        auto n = co_await reader.read(big);
        CHECK(std::string_view(big, n.value()) == "0123456789abcdef");
        CHECK(reader.buffer().empty());
        CHECK(c.reads == 1);
        CHECK((co_await reader.read(std::span<std::byte>{})).is(std::errc::invalid_argument));
    });
}

TEST_CASE("io: buffered_reader read_until stops at the delimiter and keeps the rest buffered") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(1024);
        (void)co_await a.write(std::string_view("one\ntwo|three"));
        counted c(&b);
        buffered_reader reader(c);
        std::string line = "> ";
        auto n = co_await reader.read_until(line, '\n');
        CHECK(n.value() == 4);
        CHECK(line == "> one\n");  // appended
        CHECK(text_of(reader.buffer()) == "two|three");
        std::vector<std::byte> field;
        n = co_await reader.read_until(field, std::byte{'|'});
        CHECK(n.value() == 4);
        CHECK(text_of(field) == "two|");
        CHECK(c.reads == 1);  // both answered from one read
        char rest[16];
        auto r = co_await reader.read(rest);
        CHECK(std::string_view(rest, r.value()) == "three");
    });
}

TEST_CASE(
    "io: buffered_reader read_until returns the unterminated last piece at end of stream, then 0") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        (void)co_await a.write(std::string_view("x\ntail"));
        CHECK(a.shutdown_write().has_value());
        buffered_reader reader(b);
        std::string s;
        CHECK((co_await reader.read_until(s, '\n')).value() == 2);
        CHECK((co_await reader.read_until(s, '\n')).value() == 4);
        CHECK(s == "x\ntail");
        CHECK((co_await reader.read_until(s, '\n')).value() == 0);
    });
}

TEST_CASE("io: buffered_reader fill_buf and consume expose the buffered bytes without copying") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        (void)co_await a.write(std::string_view("abcdef"));
        counted c(&b);
        buffered_reader reader(c);
        auto view = co_await reader.fill_buf();
        CHECK(text_of(view.value()) == "abcdef");
        reader.consume(2);
        view = co_await reader.fill_buf();  // still buffered: no read
        CHECK(text_of(view.value()) == "cdef");
        CHECK(c.reads == 1);
        reader.consume(4);
        CHECK(a.shutdown_write().has_value());
        view = co_await reader.fill_buf();
        REQUIRE(view.has_value());
        CHECK(view->empty());  // end of stream
    });
}

TEST_CASE("io: lines() yields each line without its line ending, over TCP") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* c) -> task<void> {
                    // In pieces that split lines and line endings.
                    for (std::string_view piece : {"alp", "ha\nbe", "ta\r", "\n\ngam", "ma"}) {
                        (void)co_await write_all(
                            *c, std::as_bytes(std::span<const char>(piece.data(), piece.size())));
                        (void)co_await sleep_for(1ms);
                    }
                    CHECK(c->shutdown_write().has_value());
                },
                &p.client);
            buffered_reader reader(p.server);
            auto lines = reader.lines();
            std::vector<std::string> got;
            while (auto line = co_await lines.next()) {
                REQUIRE(line->has_value());
                got.push_back(**line);
            }
            const std::vector<std::string> expected{"alpha", "beta", "", "gamma"};
            CHECK(got == expected);
            CHECK_FALSE((co_await lines.next()).has_value());  // fused
        });
    });
}

TEST_CASE(
    "io: lines() reports a line longer than the limit as line_too_long and ends, without buffering "
    "it") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(1024);
        (void)co_await a.write(std::string_view("short\n12345678\n0123456789ABCDEF\nafter\n"));
        buffered_reader reader(b, {.capacity = 4, .max_line_length = 8});
        auto lines = reader.lines();
        auto first = co_await lines.next();
        CHECK(first->value() == "short");
        auto exact = co_await lines.next();  // exactly the limit is accepted
        CHECK(exact->value() == "12345678");
        auto too_long = co_await lines.next();
        REQUIRE(too_long.has_value());
        CHECK(too_long->is(io_errc::line_too_long));
        CHECK(too_long->error() == std::errc::message_size);
        CHECK(reader.buffer().size() <= 9);  // the limit, plus one byte to prove it
        CHECK_FALSE((co_await lines.next()).has_value());
    });
}

TEST_CASE(
    "io: a cancelled buffered_reader read_until loses nothing: out is untouched and the next call "
    "returns the whole line") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        (void)co_await a.write(std::string_view("hal"));
        buffered_reader reader(b);
        std::string out = "kept|";
        auto r = co_await timeout(5ms, reader.read_until(out, '\n'));
        CHECK(r.is(std::errc::timed_out));
        CHECK(out == "kept|");
        CHECK(text_of(reader.buffer()) == "hal");
        (void)co_await a.write(std::string_view("f\n"));
        auto n = co_await reader.read_until(out, '\n');
        CHECK(n.value() == 5);
        CHECK(out == "kept|half\n");
    });
}

TEST_CASE(
    "io: a cancelled lines() ends with operation_canceled; a new lines() continues where it "
    "stopped") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        (void)co_await a.write(std::string_view("one\ntw"));
        buffered_reader reader(b);
        auto lines = reader.lines();
        auto first = co_await lines.next();
        CHECK(first->value() == "one");
        auto cancelled = co_await timeout(5ms, lines.next());
        REQUIRE(cancelled.has_value());  // the generator answered: with an error item
        REQUIRE(cancelled->has_value());
        CHECK((*cancelled)->is(std::errc::operation_canceled));
        CHECK_FALSE((co_await lines.next()).has_value());  // the error was the last item
        (void)co_await a.write(std::string_view("o\n"));
        auto more = reader.lines();
        auto second = co_await more.next();
        CHECK(second->value() == "two");
    });
}

TEST_CASE("io: a cancelled buffered_reader read consumes nothing") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        buffered_reader reader(b);
        char buf[8];
        auto r = co_await timeout(5ms, reader.read(buf));
        CHECK(r.is(std::errc::timed_out));
        (void)co_await a.write(std::string_view("x"));
        auto n = co_await reader.read(buf);
        CHECK(std::string_view(buf, n.value()) == "x");
    });
}

TEST_CASE("io: buffered_writer coalesces small writes into one write of the stream") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(1024);
        counted c(&a);
        buffered_writer writer(c, {.capacity = 64});
        std::string expected;
        for (int i = 0; i < 10; ++i) {
            const std::string piece = "p" + std::to_string(i) + "...";
            auto n = co_await writer.write(std::string_view(piece));
            CHECK(n.value() == piece.size());
            expected += piece;
        }
        CHECK(c.writes.empty());
        CHECK(text_of(writer.buffer()) == expected);
        REQUIRE((co_await writer.flush()).has_value());
        CHECK(c.writes == std::vector<std::size_t>{expected.size()});
        CHECK(writer.buffer().empty());
        char buf[128];
        auto n = co_await b.read(buf);
        CHECK(std::string_view(buf, n.value()) == expected);
    });
}

TEST_CASE(
    "io: buffered_writer writes a large buffer straight through after flushing what it holds") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(1024);
        counted c(&a);
        buffered_writer writer(c, {.capacity = 16});
        (void)co_await writer.write(std::string_view("abc"));
        const std::string big(100, 'Z');
        auto n = co_await writer.write(std::string_view(big));
        CHECK(n.value() == 100);
        CHECK(c.writes == std::vector<std::size_t>{3, 100});
        // One that does not fit but is smaller than the buffer: flush, then buffer it.
        (void)co_await writer.write(std::string_view("0123456789"));
        (void)co_await writer.write(std::string_view("0123456789"));
        CHECK(c.writes == std::vector<std::size_t>{3, 100, 10});
        CHECK(text_of(writer.buffer()) == "0123456789");
        REQUIRE((co_await writer.close()).has_value());
        std::string got;
        (void)co_await read_to_end(b, got);
        CHECK(got == "abc" + big + "01234567890123456789");
    });
}

TEST_CASE("io: buffered_writer close() flushes, then closes the inner stream") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        {
            buffered_writer writer(std::move(a));  // owns the stream
            (void)co_await writer.write(std::string_view("data"));
            REQUIRE((co_await writer.close()).has_value());
            CHECK_FALSE(writer.inner().is_open());
        }
        std::string got;
        auto n = co_await read_to_end(b, got);
        CHECK(n.value() == 4);
        CHECK(got == "data");
        // The other end was closed, not only shut down: writing to it fails.
        CHECK((co_await b.write(std::string_view("x"))).is(std::errc::broken_pipe));
    });
}

TEST_CASE("io: buffered_writer shutdown_write() flushes, then the peer reads end of stream") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        buffered_writer writer(a);
        (void)co_await writer.write(std::string_view("half"));
        REQUIRE((co_await writer.shutdown_write()).has_value());
        std::string got;
        (void)co_await read_to_end(b, got);
        CHECK(got == "half");
        CHECK((co_await b.write(std::string_view("back"))).value() == 4);
        std::vector<std::byte> buf(8);
        auto n = co_await writer.read(buf);  // reading through the writer still works
        CHECK(text_of(std::span(buf).first(n.value())) == "back");
    });
}

TEST_CASE("io: destroying a buffered_writer without flush drops the buffered bytes") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        {
            buffered_writer writer(a);
            (void)co_await writer.write(std::string_view("lost"));
        }
        CHECK(a.shutdown_write().has_value());
        std::string got;
        auto n = co_await read_to_end(b, got);
        CHECK(n.value() == 0);
        CHECK(got.empty());
    });
}

TEST_CASE(
    "io: a cancelled buffered_writer flush keeps the unwritten bytes; the next flush writes "
    "exactly the rest") {
    conf::run([]() -> task<void> {
        auto ends = duplex(4);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        buffered_writer writer(a, {.capacity = 64});
        (void)co_await writer.write(std::string_view("0123456789"));
        auto r = co_await timeout(5ms, writer.flush());
        CHECK(r.is(std::errc::timed_out));
        CHECK(text_of(writer.buffer()) == "456789");  // the stream took 4
        std::string got;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([](duplex_stream* peer,
                       std::string* out) -> task<void> { (void)co_await read_to_end(*peer, *out); },
                    &b, &got);
            REQUIRE((co_await writer.flush()).has_value());
            CHECK(a.shutdown_write().has_value());
        });
        CHECK(got == "0123456789");  // nothing lost, nothing twice
    });
}

TEST_CASE("io: a buffered_writer write cancelled while it flushes accepted none of its data") {
    conf::run([]() -> task<void> {
        auto ends = duplex(4);
        duplex_stream& a = ends.first;
        duplex_stream& b = ends.second;
        buffered_writer writer(a, {.capacity = 8});
        (void)co_await writer.write(std::string_view("abcdefgh"));  // fills the buffer
        auto r = co_await timeout(5ms, writer.write(std::string_view("XY")));
        CHECK(r.is(std::errc::timed_out));
        CHECK(text_of(writer.buffer()) == "efgh");
        std::string got;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([](duplex_stream* peer,
                       std::string* out) -> task<void> { (void)co_await read_to_end(*peer, *out); },
                    &b, &got);
            REQUIRE((co_await writer.flush()).has_value());
            CHECK(a.shutdown_write().has_value());
        });
        CHECK(got == "abcdefgh");
    });
}

TEST_CASE("io: buffered_writer and lines() carry a thousand lines over TCP in order") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* c) -> task<void> {
                    buffered_writer out(*c, {.capacity = 512});
                    for (int i = 0; i < 1000; ++i) {
                        const std::string line = "line " + std::to_string(i) + "\n";
                        auto n = co_await out.write(std::string_view(line));
                        REQUIRE(n.has_value());
                    }
                    REQUIRE((co_await out.shutdown_write()).has_value());
                },
                &p.client);
            buffered_reader in(p.server, {.capacity = 100});
            auto lines = in.lines();
            int expected = 0;
            while (auto line = co_await lines.next()) {
                CHECK(line->value() == "line " + std::to_string(expected));
                ++expected;
            }
            CHECK(expected == 1000);
        });
    });
}

TEST_CASE("io: buffered_reader and buffered_writer reject a capacity of 0") {
    auto ends = duplex(4);
    CHECK_THROWS_AS(buffered_reader(ends.first, {.capacity = 0}), std::invalid_argument);
    CHECK_THROWS_AS(buffered_writer(ends.first, {.capacity = 0}), std::invalid_argument);
}
