// The RESP2 layer on its own: replies fed in pieces of every size, every reply type,
// the limits, and the command encoder.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "redis/resp.hpp"

using redis::nil;
using redis::parse_status;
using redis::reply_parser;
using redis::value;
using namespace std::literals;

namespace {

struct parsed {
    std::vector<value> replies;
    bool failed = false;
};

// Feeds `bytes` in pieces of `piece` bytes (0: all at once) and collects the replies.
parsed parse_in_pieces(std::string_view bytes, std::size_t piece,
                       const redis::parser_limits& limits = {}) {
    reply_parser parser(limits);
    parsed out;
    if (piece == 0) piece = bytes.size();
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
        std::string_view data = bytes.substr(at, piece);
        while (!data.empty()) {
            const reply_parser::result r = parser.feed(data);
            REQUIRE(r.consumed <= data.size());
            data.remove_prefix(r.consumed);
            if (r.status == parse_status::failed) {
                out.failed = true;
                return out;
            }
            if (r.status == parse_status::incomplete) {
                CHECK(data.empty());
                break;
            }
            out.replies.push_back(parser.take());
        }
    }
    CHECK(parser.idle());
    return out;
}

// The same replies, whatever the pieces: all at once, and split at every byte.
std::vector<value> parse_every_way(std::string_view bytes) {
    const parsed whole = parse_in_pieces(bytes, 0);
    REQUIRE_FALSE(whole.failed);
    for (std::size_t piece : {1U, 2U, 3U, 7U}) {
        const parsed split = parse_in_pieces(bytes, piece);
        REQUIRE_FALSE(split.failed);
        CHECK(split.replies == whole.replies);
    }
    // Split once at every position.
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
        reply_parser parser;
        std::vector<value> got;
        for (std::string_view data : {bytes.substr(0, cut), bytes.substr(cut)}) {
            while (!data.empty()) {
                const reply_parser::result r = parser.feed(data);
                data.remove_prefix(r.consumed);
                REQUIRE(r.status != parse_status::failed);
                if (r.status == parse_status::incomplete) break;
                got.push_back(parser.take());
            }
        }
        CHECK(got == whole.replies);
    }
    return whole.replies;
}

value arr(std::vector<value> elements) { return value(std::move(elements)); }
value bulk(std::string s) { return value(std::move(s)); }

}  // namespace

TEST_CASE("RESP2 parser reads a simple string, an error and integers, split at every byte") {
    const auto replies = parse_every_way(
        "+OK\r\n-ERR unknown command 'FOO'\r\n:0\r\n:-42\r\n:9223372036854775807\r\n");
    REQUIRE(replies.size() == 5);
    CHECK(replies[0] == value(redis::simple_string{"OK"}));
    CHECK(replies[1].is_error());
    CHECK(replies[1].text() == "ERR unknown command 'FOO'");
    CHECK(replies[2].integer() == 0);
    CHECK(replies[3].integer() == -42);
    CHECK(replies[4].integer() == INT64_MAX);
}

TEST_CASE("RESP2 parser reads bulk strings: empty, null, binary with CR LF and NUL inside") {
    const auto replies = parse_every_way("$0\r\n\r\n$-1\r\n$7\r\na\r\nb\0c\n\r\n"sv);
    REQUIRE(replies.size() == 3);
    CHECK(replies[0] == bulk(""));
    CHECK(replies[1].is_nil());
    CHECK(replies[2] == bulk("a\r\nb\0c\n"s));
}

TEST_CASE("RESP2 parser reads arrays: empty, null, nested, with nulls inside") {
    const auto replies = parse_every_way(
        "*0\r\n*-1\r\n*3\r\n:1\r\n*2\r\n$1\r\nx\r\n*1\r\n+deep\r\n$-1\r\n*2\r\n*0\r\n*-1\r\n"sv);
    REQUIRE(replies.size() == 4);
    CHECK(replies[0] == arr({}));
    CHECK(replies[0].is_array());
    CHECK(replies[1].is_nil());
    CHECK(replies[2] ==
          arr({value(std::int64_t{1}), arr({bulk("x"), arr({value(redis::simple_string{"deep"})})}),
               value(nil{})}));
    CHECK(replies[3] == arr({arr({}), value(nil{})}));
}

TEST_CASE("RESP2 parser reads an error reply inside an array (EXEC's answers)") {
    const auto replies = parse_every_way("*2\r\n+OK\r\n-WRONGTYPE Operation against a key\r\n"sv);
    REQUIRE(replies.size() == 1);
    REQUIRE(replies[0].elements().size() == 2);
    CHECK(replies[0].elements()[1].is_error());
    CHECK(replies[0].elements()[1].text() == "WRONGTYPE Operation against a key");
}

TEST_CASE("RESP2 parser reads a large bulk string in pieces of any size") {
    std::string payload(1 << 20, '\0');
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 % 251);
    const std::string bytes =
        "$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\n:5\r\n";
    for (std::size_t piece : {0U, 1U, 1000U, 65536U, 65537U}) {
        const parsed got = parse_in_pieces(bytes, piece);
        REQUIRE_FALSE(got.failed);
        REQUIRE(got.replies.size() == 2);
        CHECK(got.replies[0].text() == payload);
        CHECK(got.replies[1].integer() == 5);
    }
}

TEST_CASE("RESP2 parser reports a stream that is not RESP2, and stays failed") {
    for (std::string_view bad :
         {"?what\r\n"sv, "+OK\n"sv, ":12a\r\n"sv, ":\r\n"sv, ":-\r\n"sv, "$-2\r\n"sv,
          "$3\r\nabcde"sv, "*-5\r\n"sv, "$x\r\n"sv, "\r\n"sv, ":99999999999999999999\r\n"sv}) {
        INFO("input: " << bad);
        CHECK(parse_in_pieces(bad, 0).failed);
        CHECK(parse_in_pieces(bad, 1).failed);
    }
    reply_parser parser;
    CHECK(parser.feed("!\r\n").status == parse_status::failed);
    CHECK(parser.feed("+OK\r\n").status == parse_status::failed);
}

TEST_CASE("RESP2 parser keeps to its limits: bulk length, line length, depth, elements") {
    redis::parser_limits limits;
    limits.max_bulk = 10;
    limits.max_line = 16;
    limits.max_depth = 3;
    limits.max_elements = 4;
    CHECK_FALSE(parse_in_pieces("$10\r\n0123456789\r\n", 1, limits).failed);
    CHECK(parse_in_pieces("$11\r\n", 1, limits).failed);
    CHECK_FALSE(parse_in_pieces("+0123456789abcdef\r\n", 1, limits).failed);
    CHECK(parse_in_pieces("+0123456789abcdefg\r\n", 1, limits).failed);
    CHECK(parse_in_pieces("+0123456789abcdefghijklmnopqrstuvwxyz", 1, limits).failed);
    CHECK_FALSE(parse_in_pieces("*1\r\n*1\r\n*1\r\n:1\r\n", 1, limits).failed);
    CHECK(parse_in_pieces("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", 1, limits).failed);
    CHECK(parse_in_pieces("*5\r\n", 1, limits).failed);
}

TEST_CASE("RESP2 parser consumes only up to the end of a reply") {
    reply_parser parser;
    const std::string_view two = "+first\r\n+second\r\n";
    const reply_parser::result r = parser.feed(two);
    CHECK(r.status == parse_status::complete);
    CHECK(r.consumed == 8);
    CHECK(parser.take().text() == "first");
    const reply_parser::result rest = parser.feed(two.substr(r.consumed));
    CHECK(rest.status == parse_status::complete);
    CHECK(rest.consumed == 9);
    CHECK(parser.take().text() == "second");
    CHECK(parser.idle());
}

TEST_CASE("command encoder writes an array of bulk strings, binary-safe") {
    std::string out;
    redis::encode_command(out, redis::command("SET", "key", "a\r\nb"));
    redis::encode_command(out, redis::command("EXPIRE", "key").arg(-5).arg(std::int64_t{1} << 40));
    redis::encode_command(out, redis::command("SET", "empty", ""));
    CHECK(out ==
          "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$4\r\na\r\nb\r\n"
          "*4\r\n$6\r\nEXPIRE\r\n$3\r\nkey\r\n$2\r\n-5\r\n$13\r\n1099511627776\r\n"
          "*3\r\n$3\r\nSET\r\n$5\r\nempty\r\n$0\r\n\r\n");
    // What the encoder writes is what a server reads: the same bytes parse as an
    // array of the arguments.
    redis::reply_parser parser;
    const std::string one = [] {
        std::string o;
        redis::encode_command(o, redis::command("ECHO", "x\0y"s));
        return o;
    }();
    REQUIRE(parser.feed(one).status == parse_status::complete);
    CHECK(parser.take() == arr({bulk("ECHO"), bulk("x\0y"s)}));
}

namespace {

// A random reply of every type, nested up to `depth`, and its RESP2 bytes.
value random_value(std::mt19937& rng, int depth, std::string& bytes) {
    std::uniform_int_distribution<int> kind(0, depth > 0 ? 6 : 5);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 40);
    auto printable = [&] {
        std::string t(length(rng), ' ');
        for (char& c : t) c = static_cast<char>('a' + byte(rng) % 26);
        return t;
    };
    switch (kind(rng)) {
        case 0: {
            std::string t = printable();
            bytes += "+" + t + "\r\n";
            return value(redis::simple_string{t});
        }
        case 1: {
            std::string t = "ERR " + printable();
            bytes += "-" + t + "\r\n";
            return value(redis::error_reply{t});
        }
        case 2: {
            const auto i = static_cast<std::int64_t>(rng()) - static_cast<std::int64_t>(rng());
            bytes += ":" + std::to_string(i) + "\r\n";
            return value(i);
        }
        case 3: {
            std::string b(length(rng) * 3, '\0');
            for (char& c : b) c = static_cast<char>(byte(rng));
            bytes += "$" + std::to_string(b.size()) + "\r\n" + b + "\r\n";
            return value(b);
        }
        case 4:
            bytes += "$-1\r\n";
            return value(nil{});
        case 5:
            bytes += "*-1\r\n";
            return value(nil{});
        default: {
            const std::size_t n = length(rng) % 6;
            bytes += "*" + std::to_string(n) + "\r\n";
            value::array elements;
            for (std::size_t i = 0; i < n; ++i)
                elements.push_back(random_value(rng, depth - 1, bytes));
            return value(std::move(elements));
        }
    }
}

}  // namespace

TEST_CASE("RESP2 parser reads random replies fed in random pieces") {
    std::mt19937 rng(20261207);
    for (int round = 0; round < 200; ++round) {
        std::string bytes;
        std::vector<value> expected;
        expected.reserve(5);
        for (int i = 0; i < 5; ++i) expected.push_back(random_value(rng, 4, bytes));
        reply_parser parser;
        std::vector<value> got;
        std::uniform_int_distribution<std::size_t> piece(1, 64);
        for (std::size_t at = 0; at < bytes.size();) {
            std::string_view data = std::string_view(bytes).substr(at, piece(rng));
            at += data.size();
            while (!data.empty()) {
                const reply_parser::result r = parser.feed(data);
                data.remove_prefix(r.consumed);
                REQUIRE(r.status != parse_status::failed);
                if (r.status == parse_status::incomplete) break;
                got.push_back(parser.take());
            }
        }
        CHECK(parser.idle());
        REQUIRE(got == expected);
    }
}
