// The RESP layer: requests parsed whole and byte by byte, the errors Redis gives for
// malformed ones, inline splitting, and the glob patterns of KEYS.
#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "redis/glob.hpp"
#include "redis/numbers.hpp"
#include "redis/request_parser.hpp"

using redis::parse_status;
using redis::request_parser;

namespace {

struct parsed {
    parse_status status;
    std::vector<std::vector<std::string>> requests;
    std::string error;
    std::size_t left = 0;  // bytes not taken
};

// Feeds `input` `step` bytes at a time (0: all at once), as a connection would,
// parsing every complete request.
parsed feed(std::string_view input, std::size_t step = 0, redis::parser_limits limits = {}) {
    request_parser p(limits);
    std::string buffer;
    parsed result{parse_status::incomplete, {}, {}, 0};
    std::size_t given = 0;
    while (given < input.size() || step == 0) {
        const std::size_t n = step == 0 ? input.size() : std::min(step, input.size() - given);
        buffer.append(input.substr(given, n));
        given += n;
        for (;;) {
            const parse_status st = p.parse(buffer);
            if (st == parse_status::failed) {
                result.status = st;
                result.error = p.error();
                return result;
            }
            if (st == parse_status::incomplete) break;
            std::vector<std::string> args;
            for (std::string_view a : p.arguments()) args.emplace_back(a);
            if (!args.empty()) result.requests.push_back(args);
            buffer.erase(0, p.consumed());
            p.reset();
        }
        if (step == 0) break;
    }
    result.status = buffer.empty() ? parse_status::complete : parse_status::incomplete;
    result.left = buffer.size();
    return result;
}

using args = std::vector<std::string>;

}  // namespace

TEST_CASE("multibulk requests parse whole and fed one byte at a time, pipelined") {
    const std::string input =
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"
        "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
        "*1\r\n$0\r\n\r\n";
    for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
        CAPTURE(step);
        const parsed r = feed(input, step);
        CHECK(r.status == parse_status::complete);
        REQUIRE(r.requests.size() == 3);
        CHECK(r.requests[0] == args{"SET", "k", "hello"});
        CHECK(r.requests[1] == args{"GET", "k"});
        CHECK(r.requests[2] == args{""});
    }
}

TEST_CASE("a split at every byte of every request gives the same requests") {
    const std::string input =
        "*2\r\n$4\r\nECHO\r\n$12\r\nhello\r\nworld\r\n"
        "PING\r\n"
        "SET \"a b\" 'c d'\n"
        "*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n";
    const parsed whole = feed(input);
    REQUIRE(whole.requests.size() == 4);
    CHECK(whole.requests[0] == args{"ECHO", "hello\r\nworld"});
    CHECK(whole.requests[2] == args{"SET", "a b", "c d"});
    for (std::size_t cut = 1; cut < input.size(); ++cut) {
        CAPTURE(cut);
        request_parser p;
        std::string buffer = input.substr(0, cut);
        std::vector<args> got;
        const auto drain = [&] {
            for (;;) {
                const parse_status st = p.parse(buffer);
                REQUIRE(st != parse_status::failed);
                if (st == parse_status::incomplete) return;
                args a;
                for (std::string_view v : p.arguments()) a.emplace_back(v);
                got.push_back(a);
                buffer.erase(0, p.consumed());
                p.reset();
            }
        };
        drain();
        buffer += input.substr(cut);
        drain();
        CHECK(buffer.empty());
        CHECK(got == whole.requests);
    }
}

TEST_CASE("empty requests are skipped: *0, a negative count, blank inline lines") {
    const parsed r = feed("*0\r\n*-1\r\n\r\n   \r\nPING\r\n");
    CHECK(r.status == parse_status::complete);
    REQUIRE(r.requests.size() == 1);
    CHECK(r.requests[0] == args{"PING"});
}

TEST_CASE("malformed multibulk requests fail with Redis's error texts") {
    CHECK(feed("*abc\r\n").error == "Protocol error: invalid multibulk length");
    CHECK(feed("*\r\n").error == "Protocol error: invalid multibulk length");
    CHECK(feed("*+1\r\n").error == "Protocol error: invalid multibulk length");
    CHECK(feed("*2147483648\r\n").error == "Protocol error: invalid multibulk length");
    CHECK(feed("*999999999999999999\r\n").error == "Protocol error: invalid multibulk length");
    CHECK(feed("*01\r\n").error == "Protocol error: invalid multibulk length");
    CHECK(feed("*1\r\n$01\r\n").error == "Protocol error: invalid bulk length");
    CHECK(feed("*1\r\n$9999999999999999999\r\n").error == "Protocol error: invalid bulk length");
    CHECK(feed("*1\r\n$-1\r\n").error == "Protocol error: invalid bulk length");
    CHECK(feed("*1\r\n$abc\r\n").error == "Protocol error: invalid bulk length");
    CHECK(feed("*1\r\n$536870913\r\n").error == "Protocol error: invalid bulk length");
    CHECK(feed("*1\r\nx3\r\n").error == "Protocol error: expected '$', got 'x'");
    CHECK(feed("*1\r\n" + std::string(70000, '1')).error ==
          "Protocol error: too big bulk count string");
    CHECK(feed("*" + std::string(70000, '1')).error ==
          "Protocol error: too big mbulk count string");
    CHECK(feed("GET \"k\n").error == "Protocol error: unbalanced quotes in request");
    CHECK(feed(std::string(70000, 'a')).error == "Protocol error: too big inline request");
}

TEST_CASE("a large announced bulk is legal and waits for its bytes without holding them") {
    // 400 MB announced, a few bytes sent: the parser waits, and allocates nothing for it.
    const parsed r = feed("*1\r\n$400000000\r\nabc");
    CHECK(r.status == parse_status::incomplete);
    CHECK(r.requests.empty());
    // The limit is an option.
    redis::parser_limits small;
    small.max_bulk = 10;
    CHECK(feed("*1\r\n$11\r\n", 0, small).error == "Protocol error: invalid bulk length");
    CHECK(feed("*1\r\n$10\r\n0123456789\r\n", 0, small).requests.size() == 1);
}

TEST_CASE("a NUL byte before a line's end hides the end, as strchr() does in Redis") {
    CHECK(feed(std::string("*1\r\n\0\r\n", 7)).status == parse_status::incomplete);
    CHECK(feed(std::string("GET k\0\r\n", 8)).status == parse_status::incomplete);
    CHECK(feed(std::string("*1\r\n$3\r\na\0b\r\n", 13)).requests.at(0).at(0) ==
          std::string("a\0b", 3));
}

TEST_CASE("the two bytes after a bulk are skipped unread, as Redis does") {
    const parsed r = feed("*1\r\n$4\r\nPINGxx");
    REQUIRE(r.requests.size() == 1);
    CHECK(r.requests[0] == args{"PING"});
}

TEST_CASE("inline requests split like redis-cli and Redis split them") {
    std::vector<std::string> words;
    CHECK(redis::split_inline("set  k   v", words));
    CHECK(words == args{"set", "k", "v"});
    CHECK(redis::split_inline(R"(set "a\x41\n\"" 'it\'s')", words));
    CHECK(words == args{"set", "aA\n\"", "it's"});
    CHECK(redis::split_inline("a\"b c\"", words));
    CHECK(words == args{"ab c"});
    CHECK_FALSE(redis::split_inline("\"a\"b", words));
    CHECK_FALSE(redis::split_inline("'a", words));
    CHECK(redis::split_inline("", words));
    CHECK(words.empty());
}

TEST_CASE("integers are read as strictly as Redis reads them") {
    CHECK(redis::parse_integer("0") == 0);
    CHECK(redis::parse_integer("-12") == -12);
    CHECK(redis::parse_integer("9223372036854775807") == INT64_MAX);
    CHECK(redis::parse_integer("-9223372036854775808") == INT64_MIN);
    CHECK_FALSE(redis::parse_integer("9223372036854775808"));
    CHECK_FALSE(redis::parse_integer("01"));
    CHECK_FALSE(redis::parse_integer("-0"));
    CHECK_FALSE(redis::parse_integer("+1"));
    CHECK_FALSE(redis::parse_integer(" 1"));
    CHECK_FALSE(redis::parse_integer("1.5"));
    CHECK_FALSE(redis::parse_integer(""));
}

TEST_CASE("glob patterns match as KEYS matches them") {
    using redis::glob_match;
    CHECK(glob_match("*", ""));
    CHECK(glob_match("h?llo", "hello"));
    CHECK(glob_match("h*llo", "heeeello"));
    CHECK(glob_match("h[ae]llo", "hallo"));
    CHECK_FALSE(glob_match("h[ae]llo", "hillo"));
    CHECK(glob_match("h[^e]llo", "hallo"));
    CHECK_FALSE(glob_match("h[^e]llo", "hello"));
    CHECK(glob_match("h[a-b]llo", "hbllo"));
    CHECK(glob_match("h[b-a]llo", "hallo"));
    CHECK(glob_match("h\\*llo", "h*llo"));
    CHECK_FALSE(glob_match("h\\*llo", "hello"));
    CHECK(glob_match("user:*:name", "user:42:name"));
    CHECK_FALSE(glob_match("user:*:name", "user:42:mail"));
    CHECK(glob_match("a*", "a"));
    CHECK(glob_match("*a**", "bab"));
    CHECK_FALSE(glob_match("**", ""));
    CHECK(glob_match("[abc", "a"));
    CHECK_FALSE(glob_match("[", "a"));
    // Many stars against a long text that does not match end quickly.
    CHECK_FALSE(glob_match(std::string(50, '*') + "b", std::string(10000, 'a')));
}

TEST_CASE("mutated requests parse the same whole and in pieces, and never overrun") {
    // A fixed seed: the same inputs on every run.
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    const auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const std::string seeds[] = {
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
        "*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n",
        "SET \"a\\x41\" 'b c'\r\n*1\r\n$4\r\nPING\r\n",
        "*0\r\n*-1\r\n\r\n*1\r\n$0\r\n\r\n",
    };
    static constexpr char bytes[] = "*$\r\n0123456789-+ \"'\\xab\0";
    const std::string alphabet(bytes, sizeof bytes - 1);  // with the NUL
    for (int round = 0; round < 3000; ++round) {
        std::string input = seeds[next() % 4];
        const int edits = 1 + static_cast<int>(next() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = next() % (input.size() + 1);
            const char c = alphabet[next() % alphabet.size()];
            switch (next() % 3) {
                case 0:
                    input.insert(input.begin() + static_cast<std::ptrdiff_t>(at), c);
                    break;
                case 1:
                    if (at < input.size()) input[at] = c;
                    break;
                default:
                    if (at < input.size()) input.erase(at, 1);
                    break;
            }
        }
        CAPTURE(input);
        const parsed whole = feed(input);
        const parsed bytewise = feed(input, 1);
        CHECK(whole.status == bytewise.status);
        CHECK(whole.requests == bytewise.requests);
        CHECK(whole.error == bytewise.error);
    }
}
