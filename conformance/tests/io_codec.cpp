// io: framed with codecs of its own and of the user's, and take(n), the reader of
// an announced number of bytes.
#include <array>
#include <charconv>
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

std::span<const std::byte> as_bytes(std::string_view s) {
    return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

// A user's codec for a RESP-like protocol: "+text\r\n" or ":number\r\n". It is all
// a protocol needs to be read and written through framed.
struct reply {
    char kind = '+';
    std::string text;
    bool operator==(const reply&) const = default;
};

struct reply_codec {
    using item_type = reply;

    io_result<std::size_t> decode(std::span<const std::byte> in, reply& out) {
        const std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
        const auto end = text.find("\r\n");
        if (end == std::string_view::npos) {
            return text.size() > 512 ? io_result<std::size_t>(std::errc::message_size)
                                     : io_result<std::size_t>(std::size_t{0});
        }
        if (end == 0 || (text[0] != '+' && text[0] != ':')) return std::errc::bad_message;
        out.kind = text[0];
        out.text.assign(text.substr(1, end - 1));
        return end + 2;
    }

    io_result<void> encode(const reply& r, std::vector<std::byte>& out) const {
        const auto append = [&](std::string_view s) {
            const auto b = as_bytes(s);
            out.insert(out.end(), b.begin(), b.end());
        };
        append(std::string_view(&r.kind, 1));
        append(r.text);
        append("\r\n");
        return {};
    }
};
static_assert(Decoder<reply_codec> && Encoder<reply_codec, reply>);
static_assert(AsyncIterator<framed<tcp_stream&, reply_codec>>);
static_assert(
    std::is_same_v<iter_value_t<framed<tcp_stream&, line_codec>>, io_result<std::string>>);

task<std::string> read_all(AsyncRead auto& reader) {
    std::string all;
    auto read = co_await read_to_end(reader, all);
    REQUIRE(read.has_value());
    co_return all;
}

}  // namespace

TEST_CASE("io: framed with a user's codec carries its items over TCP, in both directions") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();

        framed out(p.client, reply_codec{});
        const std::vector<reply> sent{{'+', "OK"}, {':', "42"}, {'+', ""}, {'+', "PONG"}};
        for (const reply& r : sent) REQUIRE((co_await out.send(r)).has_value());

        // Decoded on the other side, item for item.
        framed in(p.server, reply_codec{});
        std::vector<reply> got;
        for (std::size_t i = 0; i < sent.size(); ++i) {
            auto item = co_await in.next();
            REQUIRE(item.has_value());
            REQUIRE(item->has_value());
            got.push_back(**item);
        }
        CHECK(got == sent);

        // A malformed item is the decoder's error, reported as the last item.
        REQUIRE((co_await conf::write_text(p.client, "?what\r\n")).has_value());
        auto bad = co_await in.next();
        REQUIRE(bad.has_value());
        CHECK(bad->is(std::errc::bad_message));
        CHECK_FALSE((co_await in.next()).has_value());
    });
}

TEST_CASE("io: framed with line_codec reads lines, drops CRLF, keeps a last unterminated line") {
    conf::run([]() -> task<void> {
        auto ends = duplex(4);  // a small pipe: lines arrive in pieces
        duplex_stream& a = ends.first;
        framed writer(a, line_codec{});
        framed reader(ends.second, line_codec{16});
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([](framed<duplex_stream&, line_codec>& w, duplex_stream& end) -> task<void> {
                REQUIRE((co_await w.send("first")).has_value());
                REQUIRE((co_await conf::write_text(end, "second\r\n\nlast")).has_value());
                REQUIRE(end.shutdown_write().has_value());
            }(writer, a));
            std::vector<std::string> lines;
            while (auto line = co_await reader.next()) {
                REQUIRE(line->has_value());
                lines.push_back(**line);
            }
            CHECK(lines == std::vector<std::string>{"first", "second", "", "last"});
            co_return;
        });
        // A line with a newline inside would reach the peer as two: refused, nothing sent.
        auto [c, d] = duplex(64);
        framed lines(c, line_codec{});
        CHECK((co_await lines.send("two\nlines")).is(std::errc::invalid_argument));
        REQUIRE((co_await lines.send("one")).has_value());
        REQUIRE(c.shutdown_write().has_value());
        CHECK(co_await read_all(d) == "one\n");
    });
}

TEST_CASE("io: line_codec refuses a line over its limit before the rest of it arrives") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(1024);
        framed reader(b, line_codec{8});
        // Twenty bytes and no newline, and the writer stays open: the reader must
        // not wait for the end of a line it would refuse anyway.
        REQUIRE((co_await conf::write_text(a, "abcdefghijklmnopqrst")).has_value());
        auto line = co_await timeout(5s, reader.next());
        REQUIRE(line.has_value());
        REQUIRE(line->has_value());
        CHECK((*line)->is(io_errc::line_too_long));
    });
}

TEST_CASE("io: take(n) reads at most n bytes as they arrive and leaves the rest in the stream") {
    conf::run([]() -> task<void> {
        auto p = co_await conf::connect_loopback();

        // A body of announced length 10, then the next message.
        REQUIRE((co_await conf::write_text(p.client, "0123456789NEXT")).has_value());
        REQUIRE(p.client.shutdown_write().has_value());
        auto body = interop::take(p.server, 10);
        static_assert(AsyncRead<decltype(body)>);
        CHECK(co_await read_all(body) == "0123456789");
        CHECK(body.remaining() == 0);
        std::array<std::byte, 8> buffer{};
        CHECK((co_await body.read(buffer)).value() == 0);  // stays at its end
        CHECK((co_await body.read(std::span<std::byte>{})).is(std::errc::invalid_argument));
        // What followed the body is still there for the stream's next reader.
        CHECK(co_await read_all(p.server) == "NEXT");
    });
}

TEST_CASE("io: take(n) over a stream that ends first ends too, and tells what was missing") {
    conf::run([]() -> task<void> {
        auto [a, b] = duplex(64);
        REQUIRE((co_await conf::write_text(a, "short")).has_value());
        REQUIRE(a.shutdown_write().has_value());
        take_reader body(std::move(b), 100);  // owns the stream
        CHECK(co_await read_all(body) == "short");
        CHECK(body.remaining() == 95);
        // A new limit, as for the next chunk of a chunked body.
        body.set_limit(3);
        CHECK(body.remaining() == 3);
    });
}
