// The message layer's rules, one test case per rule or attack shape: what parses, what
// fails with which status, and how many bytes each step takes.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "http/chunked.hpp"
#include "http/message.hpp"
#include "http/parse.hpp"
#include "http/serialize.hpp"

using http::parse_state;

namespace {

http::head_result<http::request_head> parse(std::string_view bytes, const http::limits& lim = {}) {
    return http::parse_request_head(bytes, lim);
}

// The status a request head fails with, or 0 when it does not fail.
int failure_status(std::string_view bytes, const http::limits& lim = {}) {
    const auto result = parse(bytes, lim);
    return result.state == parse_state::failed ? result.status : 0;
}

http::request_head parsed_head(std::string_view bytes) {
    const auto result = parse(bytes);
    REQUIRE(result.state == parse_state::complete);
    return result.head;
}

http::framing_result framing_of(std::string_view bytes, const http::limits& lim = {}) {
    return http::request_framing(parsed_head(bytes), lim);
}

http::response_head parsed_response(std::string_view bytes) {
    const auto result = http::parse_response_head(bytes, {});
    REQUIRE(result.state == parse_state::complete);
    return result.head;
}

struct decoding {
    http::decode_result result;  // of the last feed
    std::size_t consumed = 0;    // by every feed together
    std::string body;
};

// Feeds `bytes` to a fresh decoder `piece` bytes at a time, until it completes or
// fails or the bytes run out.
decoding decode(std::string_view bytes, std::size_t piece, const http::limits& lim = {}) {
    http::chunked_decoder decoder(lim);
    decoding out;
    while (out.consumed < bytes.size()) {
        out.result = decoder.feed(bytes.substr(out.consumed, piece), out.body);
        out.consumed += out.result.consumed;
        if (out.result.state != parse_state::incomplete) break;
    }
    return out;
}

decoding decode(std::string_view bytes, const http::limits& lim = {}) {
    return decode(bytes, bytes.size() + 1, lim);
}

}  // namespace

// ---- Fields --------------------------------------------------------------------------

TEST_CASE("headers: lookups ignore case and keep the order fields arrived in") {
    http::headers fields;
    fields.add("Host", "example.com");
    fields.add("Accept", "text/html");
    fields.add("accept", "text/plain");

    REQUIRE(fields.find("HOST") != nullptr);
    CHECK(*fields.find("HOST") == "example.com");
    CHECK(*fields.find("ACCEPT") == "text/html");
    CHECK(fields.find("Cookie") == nullptr);
    CHECK(fields.count("Accept") == 2);
    CHECK(fields.all("Accept") == std::vector<std::string_view>{"text/html", "text/plain"});
    CHECK(fields.size() == 3);

    std::vector<std::string> names;
    for (const http::header_field& field : fields) names.push_back(field.name);
    CHECK(names == std::vector<std::string>{"Host", "Accept", "accept"});
}

TEST_CASE(
    "headers: set replaces every field of a name in the first one's place, erase removes them") {
    http::headers fields;
    fields.add("A", "1");
    fields.add("B", "2");
    fields.add("a", "3");
    fields.set("A", "4");
    REQUIRE(fields.size() == 2);
    CHECK(fields.begin()->name == "A");
    CHECK(fields.begin()->value == "4");
    fields.set("C", "5");
    CHECK(fields.size() == 3);
    CHECK(*fields.find("c") == "5");

    CHECK(fields.erase("b") == 1);
    CHECK(fields.erase("b") == 0);
    CHECK(fields.size() == 2);
    CHECK(fields.find("B") == nullptr);
}

TEST_CASE("has_token finds an element of a comma list in any field of the name, ignoring case") {
    http::headers fields;
    fields.add("Connection", "Upgrade ,  Keep-Alive");
    fields.add("Connection", "foo");
    CHECK(http::has_token(fields, "connection", "keep-alive"));
    CHECK(http::has_token(fields, "Connection", "upgrade"));
    CHECK(http::has_token(fields, "Connection", "FOO"));
    CHECK_FALSE(http::has_token(fields, "Connection", "close"));
    CHECK_FALSE(http::has_token(fields, "Connection", "keep"));
}

TEST_CASE("headers: contains follows every add, set, erase, copy and move") {
    http::headers fields;
    for (std::string_view name :
         {"Content-Length", "Transfer-Encoding", "Connection", "Expect", "Host", "X-Other"}) {
        CAPTURE(name);
        CHECK_FALSE(fields.contains(name));
    }
    fields.add("content-LENGTH", "1");
    fields.set("Connection", "close");
    fields.add("Host", "h");
    CHECK(fields.contains("Content-Length"));
    CHECK(fields.contains("CONNECTION"));
    CHECK(fields.contains("host"));
    CHECK_FALSE(fields.contains("Transfer-Encoding"));
    CHECK_FALSE(fields.contains("Expect"));

    fields.add("Content-Length", "1");
    CHECK(fields.erase("Content-Length") == 2);
    CHECK_FALSE(fields.contains("content-length"));
    CHECK(fields.erase("Expect") == 0);
    CHECK(fields.contains("Connection"));

    const http::headers copy = fields;
    CHECK(copy.contains("Connection"));
    http::headers moved = std::move(fields);
    CHECK(moved.contains("Connection"));
    CHECK(moved.contains("Host"));
    // What is moved from is empty, and says so.
    // NOLINTBEGIN(bugprone-use-after-move): the moved-from state is what is checked
    CHECK(fields.empty());
    CHECK_FALSE(fields.contains("Connection"));
    fields = std::move(moved);
    CHECK(fields.contains("Connection"));
    CHECK_FALSE(moved.contains("Connection"));
    // NOLINTEND(bugprone-use-after-move)

    // Built whole, as the parser builds them.
    const http::headers whole(std::vector<http::header_field>{{"Expect", "100-continue"},
                                                              {"transfer-encoding", "chunked"}});
    CHECK(whole.contains("Expect"));
    CHECK(whole.contains("Transfer-Encoding"));
    CHECK_FALSE(whole.contains("Content-Length"));
    CHECK(whole.size() == 2);
    CHECK(whole.begin()->name == "Expect");
}

TEST_CASE("framing reads fields changed after parsing, not what the parser saw") {
    http::request_head head = parsed_head("POST / HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(http::request_framing(head, {}).framing.kind == http::body_framing::kind_t::none);
    CHECK(http::keep_alive(head));
    CHECK(http::expectation(head) == http::expect_result::none);

    head.fields.add("Content-Length", "3");
    head.fields.add("Connection", "close");
    head.fields.add("Expect", "100-continue");
    CHECK(http::request_framing(head, {}).framing.length == 3);
    CHECK_FALSE(http::keep_alive(head));
    CHECK(http::expectation(head) == http::expect_result::continue_100);

    head.fields.erase("content-length");
    head.fields.set("Transfer-Encoding", "chunked");
    head.fields.erase("CONNECTION");
    CHECK(http::request_framing(head, {}).framing.kind == http::body_framing::kind_t::chunked);
    CHECK(http::keep_alive(head));
}

TEST_CASE("reason_phrase knows the common status codes") {
    CHECK(http::reason_phrase(100) == "Continue");
    CHECK(http::reason_phrase(101) == "Switching Protocols");
    CHECK(http::reason_phrase(200) == "OK");
    CHECK(http::reason_phrase(204) == "No Content");
    CHECK(http::reason_phrase(206) == "Partial Content");
    CHECK(http::reason_phrase(304) == "Not Modified");
    CHECK(http::reason_phrase(400) == "Bad Request");
    CHECK(http::reason_phrase(404) == "Not Found");
    CHECK(http::reason_phrase(413) == "Content Too Large");
    CHECK(http::reason_phrase(414) == "URI Too Long");
    CHECK(http::reason_phrase(417) == "Expectation Failed");
    CHECK(http::reason_phrase(431) == "Request Header Fields Too Large");
    CHECK(http::reason_phrase(505) == "HTTP Version Not Supported");
    CHECK(http::reason_phrase(299).empty());
    for (int status : {100, 101, 200, 201, 204, 206, 301, 302, 304, 400, 403, 404,
                       405, 408, 411, 413, 414, 417, 431, 500, 501, 503, 505}) {
        CAPTURE(status);
        CHECK_FALSE(http::reason_phrase(status).empty());
    }
}

// ---- Request heads -------------------------------------------------------------------

TEST_CASE("request head: a GET parses into method, target, version and trimmed fields") {
    const std::string_view bytes =
        "GET /search?q=a%20b HTTP/1.1\r\nHost: example.com\r\nAccept:text/html \t\r\n"
        "X-Empty:\r\n\r\n";
    const auto result = parse(bytes);
    REQUIRE(result.state == parse_state::complete);
    CHECK(result.consumed == bytes.size());
    CHECK(result.status == 0);
    CHECK(result.head.method == "GET");
    CHECK(result.head.target == "/search?q=a%20b");
    CHECK(result.head.version == 11);
    REQUIRE(result.head.fields.size() == 3);
    CHECK(*result.head.fields.find("host") == "example.com");
    CHECK(*result.head.fields.find("Accept") == "text/html");
    CHECK(*result.head.fields.find("X-Empty") == "");
}

TEST_CASE("request head: every proper prefix is incomplete, and the whole parses the same") {
    const std::string bytes =
        "\r\nPOST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nX-Tab: a\tb\r\n\r\n";
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        CAPTURE(size);
        const auto result = parse(std::string_view(bytes).substr(0, size));
        CHECK(result.state == parse_state::incomplete);
        CHECK(result.consumed == 0);
    }
    const auto result = parse(bytes);
    REQUIRE(result.state == parse_state::complete);
    CHECK(result.consumed == bytes.size());
    CHECK(result.head.method == "POST");
    CHECK(*result.head.fields.find("X-Tab") == "a\tb");
}

TEST_CASE("request head: pipelined requests: consumed stops at the end of the first head") {
    const std::string_view first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
    const std::string_view second = "GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    const std::string both = std::string(first) + std::string(second) + "GET /c";

    const auto one = parse(both);
    REQUIRE(one.state == parse_state::complete);
    CHECK(one.consumed == first.size());
    CHECK(one.head.target == "/a");

    const std::string_view rest = std::string_view(both).substr(one.consumed);
    const auto two = parse(rest);
    REQUIRE(two.state == parse_state::complete);
    CHECK(two.consumed == second.size());
    CHECK(two.head.target == "/b");
    CHECK_FALSE(http::keep_alive(two.head));

    CHECK(parse(rest.substr(two.consumed)).state == parse_state::incomplete);
}

TEST_CASE("request head: up to four empty lines before the request line are skipped") {
    const std::string_view request = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    const auto result = parse("\r\n\r\n\r\n\r\n" + std::string(request));
    REQUIRE(result.state == parse_state::complete);
    CHECK(result.consumed == 8 + request.size());
    CHECK(result.head.method == "GET");

    CHECK(failure_status("\r\n\r\n\r\n\r\n\r\n" + std::string(request)) == 400);
    CHECK(failure_status("\n" + std::string(request)) == 400);
    CHECK(parse("\r\n\r").state == parse_state::incomplete);
}

TEST_CASE("request head: a malformed request line fails with 400") {
    for (std::string_view line : {
             "GET  / HTTP/1.1",         // two spaces
             "GET / HTTP/1.1 ",         // trailing space
             " GET / HTTP/1.1",         // leading space
             "GET\t/ HTTP/1.1",         // tab instead of space
             "GET /",                   // no version
             "GET HTTP/1.1",            // no target
             "GET / http/1.1",          // the version is case-sensitive
             "GET / HTTP/1",            // no minor version
             "GET / HTTP/1.10",         // two digits
             "GET / HTTP/11",           // no dot
             "GE(T / HTTP/1.1",         // not a token
             "GET /a b HTTP/1.1",       // space in the target
             "GET /\x01 HTTP/1.1",      // control character in the target
             "GET /\x7f HTTP/1.1",      // DEL
             "GET /\xc3\xa9 HTTP/1.1",  // non-ASCII
             "GET /\r HTTP/1.1",        // lone CR
         }) {
        CAPTURE(line);
        const auto result = parse(std::string(line) + "\r\nHost: h\r\n\r\n");
        CHECK(result.state == parse_state::failed);
        CHECK(result.status == 400);
        CHECK_FALSE(result.why.empty());
    }
}

TEST_CASE("request head: HTTP/1.0 and 1.1 are read as such, a later 1.x as 1.1") {
    CHECK(parsed_head("GET / HTTP/1.0\r\n\r\n").version == 10);
    CHECK(parsed_head("GET / HTTP/1.1\r\nHost: h\r\n\r\n").version == 11);
    CHECK(parsed_head("GET / HTTP/1.2\r\nHost: h\r\n\r\n").version == 11);
    CHECK(parsed_head("GET / HTTP/1.9\r\nHost: h\r\n\r\n").version == 11);
}

TEST_CASE("request head: a major version other than 1 fails with 505") {
    CHECK(failure_status("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
    CHECK(failure_status("GET / HTTP/3.0\r\nHost: h\r\n\r\n") == 505);
    CHECK(failure_status("GET / HTTP/0.9\r\n\r\n") == 505);
    // Known as soon as the request line is complete.
    CHECK(failure_status("GET / HTTP/2.0\r\n") == 505);
}

TEST_CASE("request head: whitespace between a field name and its colon fails with 400") {
    CHECK(failure_status("GET / HTTP/1.1\r\nHost : h\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nContent-Length\t: 0\r\n\r\n") == 400);
}

TEST_CASE("request head: obs-fold (a line starting with SP or HT) fails with 400") {
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\t2\r\n\r\n") == 400);
    // Whitespace between the request line and the first field.
    CHECK(failure_status("GET / HTTP/1.1\r\n Host: h\r\n\r\n") == 400);
}

TEST_CASE("request head: a line ended by a bare LF fails with 400") {
    CHECK(failure_status("GET / HTTP/1.1\nHost: h\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\n\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\nHost: h\n\n") == 400);
    // Also before the head could be complete.
    CHECK(failure_status("GET / HTTP/1.1\r\nX: 1\n") == 400);
}

TEST_CASE("request head: a CR not followed by LF fails with 400") {
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r2\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\r\n\r\n") == 400);
    // Without waiting for the rest of the head.
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\rX") == 400);
    CHECK(failure_status("GET / HTTP/1.1\rX") == 400);
    // A CR at the end of the buffer may still get its LF.
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r").state == parse_state::incomplete);
}

TEST_CASE("request head: NUL, DEL or another control character in a field value fails with 400") {
    using namespace std::string_literals;
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n"s) == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX-A: \x0b\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX-A: \x1b[0m\r\n\r\n") == 400);
    // HT inside a value and obs-text are allowed.
    const auto head = parsed_head("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tb \xe9\r\n\r\n");
    CHECK(*head.fields.find("X-A") == "a\tb \xe9");
}

// The parser and the checks read several bytes at a time: a byte must be found wherever
// it falls in a word, and at every length of what is checked.
TEST_CASE("request head: a control byte in a field value fails wherever it is, an HT does not") {
    using namespace std::string_literals;
    for (std::size_t size = 1; size <= 40; ++size) {
        for (std::size_t at = 0; at < size; ++at) {
            for (const char bad : {'\0', '\x01', '\x0b', '\r', '\n', '\x1f', '\x7f'}) {
                std::string value(size, 'v');
                value[at] = bad;
                CAPTURE(size);
                CAPTURE(at);
                CAPTURE(static_cast<int>(bad));
                CHECK_FALSE(http::is_field_value(value));
                CHECK_FALSE(http::valid_field("X", value));
                CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX: " + value + "\r\n\r\n") ==
                      400);
            }
            std::string value(size, 'v');
            value[at] = '\t';
            value[size - 1 - at] = '\xe9';  // obs-text
            CHECK(http::is_field_value(value));
            CHECK(http::valid_field("X", value));
            const std::string trimmed =
                value.substr(value.find_first_not_of('\t'),
                             value.find_last_not_of('\t') + 1 - value.find_first_not_of('\t'));
            CHECK(*parsed_head("GET / HTTP/1.1\r\nHost: h\r\nX: " + value + "\r\n\r\n")
                       .fields.find("X") == trimmed);
        }
    }
}

TEST_CASE("request head: a byte outside a token fails a method or field name wherever it is") {
    for (std::size_t size = 1; size <= 20; ++size) {
        for (std::size_t at = 0; at < size; ++at) {
            for (const char bad :
                 {'"', '(', ',', '/', ':', '@', '[', ']', '{', '}', ' ', '\x7f', '\x80', '\0'}) {
                std::string name(size, 'n');
                name[at] = bad;
                CAPTURE(size);
                CAPTURE(at);
                CAPTURE(static_cast<int>(bad));
                CHECK_FALSE(http::is_token(name));
                CHECK_FALSE(http::valid_field(name, "v"));
                CHECK(failure_status(name + " / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
                // (A colon in a field line ends the name there.)
                if (bad != ':') {
                    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\n" + name + "x: v\r\n\r\n") ==
                          400);
                }
            }
        }
        const std::string name(size, '~');
        CHECK(http::is_token(name));
        const std::string request = std::string(name)
                                        .append(" / HTTP/1.1\r\nHost: h\r\n")
                                        .append(name)
                                        .append(": v\r\n\r\n");
        CHECK(parsed_head(request).method == name);
    }
}

TEST_CASE("request head: a byte outside visible ASCII fails a target wherever it is") {
    for (std::size_t size = 1; size <= 40; ++size) {
        for (std::size_t at = 0; at < size; ++at) {
            for (const char bad : {'\0', '\t', '\x7f', '\x80', '\xff'}) {
                std::string target(size, '/');
                target[at] = bad;
                CAPTURE(size);
                CAPTURE(at);
                CAPTURE(static_cast<int>(bad));
                CHECK_FALSE(http::valid_request_line("GET", target));
                CHECK(failure_status("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
            }
        }
        const std::string target = "/" + std::string(size - 1, '~');
        CHECK(http::valid_request_line("GET", target));
        CHECK(parsed_head("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n").target == target);
    }
}

TEST_CASE("request head: what follows a head in the buffer does not change how it reads") {
    const std::string head =
        "GET /a HTTP/1.1\r\nHost: h\r\nX-A: one\r\nX-B:\ttwo \r\nX-C: \r\n\r\n";
    const auto alone = parse(head);
    REQUIRE(alone.state == parse_state::complete);
    for (std::string_view after :
         {"", "\r\n", "\0\0\0\0\0\0\0\0", "GET /b HTTP/1.1\r\n", "\x7f\x80\xff garbage \n\r"}) {
        CAPTURE(after);
        const auto followed = parse(head + std::string(after));
        REQUIRE(followed.state == parse_state::complete);
        CHECK(followed.consumed == alone.consumed);
        CHECK(*followed.head.fields.find("X-A") == "one");
        CHECK(*followed.head.fields.find("X-B") == "two");
        CHECK(*followed.head.fields.find("X-C") == "");
    }
}

TEST_CASE("request head: a field line without a colon or with an invalid name fails with 400") {
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\n: value\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX(A): 1\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nX\xe9: 1\r\n\r\n") == 400);
}

TEST_CASE("request head: an HTTP/1.1 request without Host, or with two, fails with 400") {
    CHECK(failure_status("GET / HTTP/1.1\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n") == 400);
    CHECK(failure_status("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
    // HTTP/1.0 did not require it.
    CHECK(parse("GET / HTTP/1.0\r\n\r\n").state == parse_state::complete);
}

TEST_CASE("request head: Host must be a host and an optional port") {
    for (std::string_view host : {"example.com", "example.com:8080", "127.0.0.1:80", "[::1]",
                                  "[::1]:443", "xn--bcher-kva.example", "a%41b", "", "h:"}) {
        CAPTURE(host);
        CHECK(parse("GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n").state ==
              parse_state::complete);
    }
    for (std::string_view host :
         {"a b", "a/b", "a@b", "h:80x", "[::1", "[]", "[::1]x", "a%4", "a%zz", "h:80:90"}) {
        CAPTURE(host);
        CHECK(failure_status("GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n") == 400);
    }
}

TEST_CASE("request head: a head larger than max_head_bytes fails with 431") {
    // 1 MB of one field, never ended: failed, not incomplete, so nothing buffers it all.
    const std::string huge = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(1 << 20, 'a');
    const auto result = parse(huge);
    CHECK(result.state == parse_state::failed);
    CHECK(result.status == 431);
    CHECK(failure_status(huge + "\r\n\r\n") == 431);

    // Exactly at the limit parses; one byte more does not.
    http::limits lim;
    const std::string head = "GET / HTTP/1.1\r\nHost: h\r\nX: 1234\r\n\r\n";
    lim.max_head_bytes = head.size();
    CHECK(parse(head, lim).state == parse_state::complete);
    CHECK(parse(head.substr(0, head.size() - 1), lim).state == parse_state::incomplete);
    lim.max_head_bytes = head.size() - 1;
    CHECK(failure_status(head, lim) == 431);
    CHECK(failure_status(head.substr(0, head.size() - 1), lim) == 0);
    CHECK(failure_status(head + "more", lim) == 431);
}

TEST_CASE("request head: more than max_headers fields fail with 431") {
    http::limits lim;
    lim.max_headers = 3;
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", lim).state ==
          parse_state::complete);
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", lim) == 431);
    // Before the head ends.
    CHECK(failure_status("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n", lim) == 431);
}

TEST_CASE("request head: a request line longer than max_request_line fails with 414") {
    http::limits lim;
    lim.max_request_line = 32;
    const std::string line = "GET /" + std::string(18, 'a') + " HTTP/1.1";  // 32 bytes
    REQUIRE(line.size() == 32);
    CHECK(parse(line + "\r\nHost: h\r\n\r\n", lim).state == parse_state::complete);

    const std::string longer = "GET /" + std::string(19, 'a') + " HTTP/1.1";
    CHECK(failure_status(longer + "\r\nHost: h\r\n\r\n", lim) == 414);
    // As soon as the unfinished line is longer than the limit.
    CHECK(failure_status("GET /" + std::string(27, 'a'), lim) == 0);
    CHECK(failure_status("GET /" + std::string(28, 'a'), lim) == 414);
    CHECK(failure_status("GET /" + std::string(1 << 20, 'a')) == 414);
}

// ---- Request framing -----------------------------------------------------------------

TEST_CASE("request framing: no Content-Length and no Transfer-Encoding means no body") {
    const auto framing = framing_of("POST / HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(framing.ok());
    CHECK(framing.framing.kind == http::body_framing::kind_t::none);
}

TEST_CASE("request framing: Content-Length gives the body's length") {
    auto framing = framing_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n");
    REQUIRE(framing.ok());
    CHECK(framing.framing.kind == http::body_framing::kind_t::length);
    CHECK(framing.framing.length == 42);

    framing = framing_of("POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
    REQUIRE(framing.ok());
    CHECK(framing.framing.kind == http::body_framing::kind_t::length);
    CHECK(framing.framing.length == 0);
}

TEST_CASE("request framing: repeated Content-Length values are accepted only when they agree") {
    for (std::string_view fields : {"Content-Length: 5, 5\r\n", "Content-Length: 5,5,5\r\n",
                                    "Content-Length: 5\r\nContent-Length: 5\r\n",
                                    "Content-Length: 5\r\ncontent-length: 005\r\n"}) {
        CAPTURE(fields);
        const auto framing =
            framing_of("POST / HTTP/1.1\r\nHost: h\r\n" + std::string(fields) + "\r\n");
        REQUIRE(framing.ok());
        CHECK(framing.framing.kind == http::body_framing::kind_t::length);
        CHECK(framing.framing.length == 5);
    }
    for (std::string_view fields :
         {"Content-Length: 5, 6\r\n", "Content-Length: 5\r\nContent-Length: 6\r\n",
          "Content-Length: 5\r\nContent-Length: 5, 0\r\n", "Content-Length: 5,\r\n",
          "Content-Length: ,5\r\n", "Content-Length: 5\r\nContent-Length: \r\n"}) {
        CAPTURE(fields);
        const auto framing =
            framing_of("POST / HTTP/1.1\r\nHost: h\r\n" + std::string(fields) + "\r\n");
        CHECK(framing.status == 400);
    }
}

TEST_CASE("request framing: a Content-Length that is not a plain decimal fails with 400") {
    for (std::string_view value : {"", "+5", "-5", "0x5", "5 5", "5a", "1e3", "5.0",
                                   "18446744073709551616", "99999999999999999999999"}) {
        CAPTURE(value);
        const auto framing = framing_of(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::string(value) + "\r\n\r\n");
        CHECK(framing.status == 400);
        CHECK_FALSE(framing.ok());
    }
}

TEST_CASE("request framing: a Content-Length over max_body fails with 413") {
    http::limits lim;
    lim.max_body = 100;
    CHECK(framing_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n", lim).ok());
    CHECK(framing_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", lim).status ==
          413);
    CHECK(framing_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551615\r\n\r\n")
              .status == 413);
}

TEST_CASE("request framing: Transfer-Encoding and Content-Length together fail with 400") {
    CHECK(framing_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n")
              .status == 400);
    CHECK(framing_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Length: 5\r\n\r\n")
              .status == 400);
}

TEST_CASE("request framing: chunked as the final and only coding is chunked framing") {
    for (std::string_view fields :
         {"Transfer-Encoding: chunked\r\n", "transfer-encoding: Chunked\r\n",
          "Transfer-Encoding: , chunked ,\r\n"}) {
        CAPTURE(fields);
        const auto framing =
            framing_of("POST / HTTP/1.1\r\nHost: h\r\n" + std::string(fields) + "\r\n");
        REQUIRE(framing.ok());
        CHECK(framing.framing.kind == http::body_framing::kind_t::chunked);
    }
}

TEST_CASE("request framing: Transfer-Encoding in an HTTP/1.0 request fails with 400") {
    CHECK(framing_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").status == 400);
}

TEST_CASE("request framing: a final coding other than chunked fails with 400") {
    for (std::string_view value :
         {"gzip", "chunked, gzip", "identity", "", "chunked;ext=1", "chunked x", "\"chunked\""}) {
        CAPTURE(value);
        const auto framing = framing_of(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + std::string(value) + "\r\n\r\n");
        CHECK(framing.status == 400);
    }
}

TEST_CASE("request framing: chunked listed twice fails with 400") {
    CHECK(framing_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")
              .status == 400);
    CHECK(framing_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n")
              .status == 400);
}

TEST_CASE("request framing: another coding before chunked fails with 501") {
    CHECK(framing_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
              .status == 501);
    CHECK(framing_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n")
              .status == 501);
    CHECK(
        framing_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: x-custom;a=b, chunked\r\n\r\n")
            .status == 501);
}

// ---- Connection and Expect -----------------------------------------------------------

TEST_CASE("keep_alive: HTTP/1.1 unless Connection lists close, HTTP/1.0 only with keep-alive") {
    CHECK(http::keep_alive(parsed_head("GET / HTTP/1.1\r\nHost: h\r\n\r\n")));
    CHECK_FALSE(
        http::keep_alive(parsed_head("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")));
    CHECK_FALSE(http::keep_alive(
        parsed_head("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n")));
    CHECK_FALSE(http::keep_alive(
        parsed_head("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo\r\nConnection: close\r\n\r\n")));
    CHECK(http::keep_alive(parsed_head("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n")));

    CHECK_FALSE(http::keep_alive(parsed_head("GET / HTTP/1.0\r\n\r\n")));
    CHECK(http::keep_alive(parsed_head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")));
    CHECK_FALSE(
        http::keep_alive(parsed_head("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n")));
}

TEST_CASE("expectation: 100-continue in HTTP/1.1, ignored in HTTP/1.0, anything else is 417") {
    CHECK(http::expectation(parsed_head("PUT / HTTP/1.1\r\nHost: h\r\n\r\n")) ==
          http::expect_result::none);
    CHECK(http::expectation(
              parsed_head("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n")) ==
          http::expect_result::continue_100);
    CHECK(http::expectation(
              parsed_head("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n\r\n")) ==
          http::expect_result::continue_100);
    CHECK(http::expectation(parsed_head("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n")) ==
          http::expect_result::none);
    CHECK(http::expectation(parsed_head("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n")) ==
          http::expect_result::unsupported);
    CHECK(http::expectation(
              parsed_head("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, x\r\n\r\n")) ==
          http::expect_result::unsupported);
    CHECK(http::expectation(parsed_head("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                                        "Expect: 100-continue\r\n\r\n")) ==
          http::expect_result::unsupported);
}

// ---- Responses -----------------------------------------------------------------------

TEST_CASE("response head: status line, fields and consumed bytes") {
    const std::string_view bytes = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\nHTTP/1.1";
    const auto result = http::parse_response_head(bytes, {});
    REQUIRE(result.state == parse_state::complete);
    CHECK(result.consumed == bytes.size() - 8);
    CHECK(result.head.version == 11);
    CHECK(result.head.status == 404);
    CHECK(result.head.reason == "Not Found");
    CHECK(*result.head.fields.find("content-length") == "0");

    const auto empty_reason = parsed_response("HTTP/1.0 200 \r\n\r\n");
    CHECK(empty_reason.version == 10);
    CHECK(empty_reason.status == 200);
    CHECK(empty_reason.reason.empty());
}

TEST_CASE("response head: a malformed status line fails") {
    for (std::string_view line : {"HTTP/1.1 200", "HTTP/1.1  200 OK", "HTTP/1.1 20 OK",
                                  "HTTP/1.1 2000 OK", "HTTP/1.1 099 Low", "HTTP/1.1 600 High",
                                  "http/1.1 200 OK", "HTTP/1.1 200 O\x01K", "HTTP/1.1 +20 OK"}) {
        CAPTURE(line);
        const auto result = http::parse_response_head(std::string(line) + "\r\n\r\n", {});
        CHECK(result.state == parse_state::failed);
        CHECK(result.status == 400);
    }
    CHECK(http::parse_response_head("HTTP/2.0 200 OK\r\n\r\n", {}).status == 505);
    // Only a server skips empty lines before the start line.
    CHECK(http::parse_response_head("\r\nHTTP/1.1 200 OK\r\n\r\n", {}).status == 400);
}

TEST_CASE("response head: an obs-fold is replaced by a space, as a client must") {
    const auto head =
        parsed_response("HTTP/1.1 200 OK\r\nX-A: one\r\n  two\r\n\tthree \r\nB: 1\r\n\r\n");
    CHECK(*head.fields.find("X-A") == "one two three");
    CHECK(*head.fields.find("B") == "1");
    CHECK(http::parse_response_head("HTTP/1.1 200 OK\r\n X: 1\r\n\r\n", {}).status == 400);
    CHECK(http::parse_response_head("HTTP/1.1 200 OK\r\nX: 1\r\n \x01\r\n\r\n", {}).status == 400);
}

TEST_CASE("response framing: HEAD, 1xx, 204 and 304 have no body, nor a 2xx to CONNECT") {
    const auto ok_with_length = parsed_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
    CHECK(http::response_framing(ok_with_length, "HEAD").framing.kind ==
          http::body_framing::kind_t::none);
    CHECK(http::response_framing(ok_with_length, "CONNECT").framing.kind ==
          http::body_framing::kind_t::none);
    for (std::string_view status_line :
         {"HTTP/1.1 100 Continue", "HTTP/1.1 101 Switching Protocols", "HTTP/1.1 204 No Content",
          "HTTP/1.1 304 Not Modified"}) {
        CAPTURE(status_line);
        const auto head =
            parsed_response(std::string(status_line) + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        const auto framing = http::response_framing(head, "GET");
        REQUIRE(framing.ok());
        CHECK(framing.framing.kind == http::body_framing::kind_t::none);
    }
}

TEST_CASE("response framing: chunked, by length, or until the server closes") {
    auto framing = http::response_framing(
        parsed_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), "GET");
    REQUIRE(framing.ok());
    CHECK(framing.framing.kind == http::body_framing::kind_t::chunked);

    framing = http::response_framing(
        parsed_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"), "GET");
    REQUIRE(framing.ok());
    CHECK(framing.framing.kind == http::body_framing::kind_t::until_close);

    framing = http::response_framing(
        parsed_response("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n"), "POST");
    REQUIRE(framing.ok());
    CHECK(framing.framing.kind == http::body_framing::kind_t::length);
    CHECK(framing.framing.length == 7);

    framing = http::response_framing(parsed_response("HTTP/1.0 200 OK\r\n\r\n"), "GET");
    REQUIRE(framing.ok());
    CHECK(framing.framing.kind == http::body_framing::kind_t::until_close);
}

TEST_CASE("response framing: conflicting or invalid framing fails") {
    CHECK(http::response_framing(parsed_response("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"),
                                 "GET")
              .status == 400);
    CHECK(http::response_framing(parsed_response("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                                                 "Transfer-Encoding: chunked\r\n\r\n"),
                                 "GET")
              .status == 400);
    CHECK(http::response_framing(
              parsed_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
              "GET")
              .status == 400);
    CHECK(http::response_framing(
              parsed_response("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), "GET")
              .status == 400);
}

// ---- Chunked bodies ------------------------------------------------------------------

TEST_CASE("chunked: decodes the chunks and stops after the final CRLF") {
    const std::string_view body = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
    const std::string input = std::string(body) + "GET / HTTP/1.1\r\n";
    http::chunked_decoder decoder;
    std::string out;
    const auto result = decoder.feed(input, out);
    CHECK(result.state == parse_state::complete);
    CHECK(result.consumed == body.size());
    CHECK(out == "hello, world");
    CHECK(decoder.done());
    CHECK(decoder.body_size() == 12);

    // Done: nothing more is taken.
    const auto again = decoder.feed("0\r\n\r\n", out);
    CHECK(again.state == parse_state::complete);
    CHECK(again.consumed == 0);
    CHECK(out == "hello, world");
}

TEST_CASE("chunked: fed one byte at a time, it decodes what it decodes all at once") {
    const std::string_view body =
        "1a;name=value;quoted=\"a b\"\r\nabcdefghijklmnopqrstuvwxyz\r\n"
        "A \t;x\r\n0123456789\r\n"
        "000\r\nExpires: never\r\nX-Sum: 1\r\n\r\n";
    const decoding whole = decode(body);
    CHECK(whole.result.state == parse_state::complete);
    CHECK(whole.consumed == body.size());
    CHECK(whole.body == "abcdefghijklmnopqrstuvwxyz0123456789");

    for (const std::size_t piece : std::initializer_list<std::size_t>{1, 2, 3, 7}) {
        CAPTURE(piece);
        const decoding pieces = decode(body, piece);
        CHECK(pieces.result.state == parse_state::complete);
        CHECK(pieces.consumed == whole.consumed);
        CHECK(pieces.body == whole.body);
    }
    // And when it fails, at the same byte with the same status.
    const std::string_view bad = "5\r\nhello\r\n3\r\nabcX\r\n";
    const decoding all = decode(bad);
    const decoding bytes = decode(bad, 1);
    CHECK(all.result.state == parse_state::failed);
    CHECK(all.result.status == 400);
    CHECK(bytes.result.state == parse_state::failed);
    CHECK(bytes.result.status == 400);
    CHECK(bytes.consumed == all.consumed);
    CHECK(bytes.body == "helloabc");
}

TEST_CASE("chunked: an unfinished body is incomplete and every byte is consumed") {
    http::chunked_decoder decoder;
    std::string out;
    const auto result = decoder.feed("a\r\n01234", out);
    CHECK(result.state == parse_state::incomplete);
    CHECK(result.consumed == 8);
    CHECK(out == "01234");
    CHECK(decoder.feed("56789\r\n0\r\n\r\n", out).state == parse_state::complete);
    CHECK(out == "0123456789");
}

TEST_CASE("chunked: a size line with a bare LF fails with 400") {
    CHECK(decode("5\nhello\r\n0\r\n\r\n").result.status == 400);
    CHECK(decode("5;ext\nhello\r\n0\r\n\r\n").result.status == 400);
    CHECK(decode("5\r\nhello\r\n0\n\r\n").result.status == 400);
    CHECK(decode("5\r\rhello\r\n0\r\n\r\n").result.status == 400);
}

TEST_CASE("chunked: chunk data not followed by CRLF fails with 400") {
    CHECK(decode("5\r\nhelloX\r\n0\r\n\r\n").result.status == 400);
    CHECK(decode("5\r\nhello\n0\r\n\r\n").result.status == 400);
    CHECK(decode("5\r\nhello\rX0\r\n\r\n").result.status == 400);
    CHECK(decode("3\r\nhello\r\n0\r\n\r\n").result.status == 400);
}

TEST_CASE("chunked: a chunk size that is not hex digits fails with 400") {
    for (std::string_view body :
         {"\r\n", ";ext\r\n", "0x5\r\nhello\r\n", "+5\r\nhello\r\n", "-1\r\n", " 5\r\nhello\r\n",
          "5 \r\nhello\r\n", "g\r\n", "5;a\x01\r\nhello\r\n"}) {
        CAPTURE(body);
        const decoding out = decode(body);
        CHECK(out.result.state == parse_state::failed);
        CHECK(out.result.status == 400);
    }
}

TEST_CASE("chunked: an oversized chunk size fails with 413") {
    // More than 16 hex digits, even if only zeros: no 64-bit reader agrees on them.
    CHECK(decode("00000000000000005\r\nhello\r\n0\r\n\r\n").result.status == 413);
    CHECK(decode("10000000000000000\r\n").result.status == 413);
    CHECK(decode("FFFFFFFFFFFFFFFF\r\n").result.status == 413);

    http::limits lim;
    lim.max_body = 10;
    CHECK(decode("a\r\n0123456789\r\n0\r\n\r\n", lim).result.state == parse_state::complete);
    CHECK(decode("b\r\n", lim).result.status == 413);
    // The sum of the chunks counts too.
    const decoding two = decode("6\r\n012345\r\n5\r\n", lim);
    CHECK(two.result.status == 413);
    CHECK(two.body == "012345");
}

TEST_CASE("chunked: extensions are skipped, but the size line is bounded by max_chunk_line") {
    const decoding out = decode("3;a=b;c=\"d e\"\r\nabc\r\n0;last\r\n\r\n");
    CHECK(out.result.state == parse_state::complete);
    CHECK(out.body == "abc");

    http::limits lim;
    lim.max_chunk_line = 8;
    CHECK(decode("3;abcdef\r\nabc\r\n0\r\n\r\n", lim).result.state == parse_state::complete);
    CHECK(decode("3;abcdefg\r\nabc\r\n0\r\n\r\n", lim).result.status == 400);
    CHECK(decode("3;" + std::string(1 << 20, 'x')).result.status == 400);
}

TEST_CASE("chunked: trailers are checked like header fields, then dropped") {
    const std::string_view body = "1\r\na\r\n0\r\nChecksum: abc\r\nX: \r\n\r\n";
    const decoding out = decode(std::string(body) + "next");
    CHECK(out.result.state == parse_state::complete);
    CHECK(out.consumed == body.size());
    CHECK(out.body == "a");

    CHECK(decode("0\r\nBad Name: 1\r\n\r\n").result.status == 400);
    CHECK(decode("0\r\nX : 1\r\n\r\n").result.status == 400);
    CHECK(decode("0\r\nX: 1\r\n folded\r\n\r\n").result.status == 400);
    CHECK(decode("0\r\nX: 1\n\r\n").result.status == 400);
    CHECK(decode("0\r\nX: 1\rY\r\n\r\n").result.status == 400);
    CHECK(decode("0\r\n\n").result.status == 400);
}

TEST_CASE("chunked: trailers beyond max_headers or max_head_bytes fail with 431") {
    http::limits lim;
    lim.max_headers = 2;
    CHECK(decode("0\r\nA: 1\r\nB: 2\r\n\r\n", lim).result.state == parse_state::complete);
    CHECK(decode("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", lim).result.status == 431);

    lim = {};
    lim.max_head_bytes = 12;  // "A: 1234\r\n" and the final "\r\n" are 11
    CHECK(decode("0\r\nA: 1234\r\n\r\n", lim).result.state == parse_state::complete);
    CHECK(decode("0\r\nA: 12345\r\n\r\n", lim).result.state == parse_state::complete);
    CHECK(decode("0\r\nA: 123456\r\n\r\n", lim).result.status == 431);
    CHECK(decode("0\r\nX: " + std::string(1 << 20, 'a')).result.status == 431);

    // At the same byte whether the line comes at once or byte by byte.
    const std::string long_line = "0\r\nA: " + std::string(20, 'a') + "\r\n\r\n";
    const decoding whole = decode(long_line, lim);
    const decoding bytes = decode(long_line, 1, lim);
    CHECK(whole.result.status == 431);
    CHECK(bytes.result.status == 431);
    CHECK(whole.consumed == 3 + 11);  // the last-chunk, then the 11 bytes that fit before a CR
    CHECK(bytes.consumed == whole.consumed);
}

TEST_CASE("chunked: after a failure, the decoder keeps failing and consumes nothing") {
    http::chunked_decoder decoder;
    std::string out;
    const auto first = decoder.feed("zz", out);
    CHECK(first.state == parse_state::failed);
    CHECK(first.status == 400);
    CHECK(first.consumed == 0);
    const auto second = decoder.feed("0\r\n\r\n", out);
    CHECK(second.state == parse_state::failed);
    CHECK(second.status == 400);
    CHECK(second.consumed == 0);
    CHECK(out.empty());
}

TEST_CASE("chunked: write_chunk and write_last_chunk produce what the decoder reads") {
    std::string body;
    http::write_chunk(body, "hello");
    http::write_chunk(body, "");  // writes nothing, or it would end the body
    http::write_chunk(body, std::string(300, 'x'));
    http::write_last_chunk(body);
    CHECK(body.substr(0, 10) == "5\r\nhello\r\n");
    CHECK(body.substr(10, 5) == "12c\r\n");
    CHECK(body.substr(body.size() - 7) == "\r\n0\r\n\r\n");

    const decoding out = decode(body, 1);
    CHECK(out.result.state == parse_state::complete);
    CHECK(out.consumed == body.size());
    CHECK(out.body == "hello" + std::string(300, 'x'));
}

// ---- Writing heads -------------------------------------------------------------------

TEST_CASE("write_head: a response head, with the usual reason when none is given") {
    http::response_head head;
    head.status = 404;
    head.fields.add("Content-Length", "0");
    head.fields.add("X-A", "b");
    std::string out;
    http::write_head(out, head);
    CHECK(out == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-A: b\r\n\r\n");

    head.version = 10;
    head.status = 200;
    head.reason = "Fine";
    head.fields = {};
    out.clear();
    http::write_head(out, head);
    CHECK(out == "HTTP/1.0 200 Fine\r\n\r\n");

    const auto parsed = http::parse_response_head(out, {});
    REQUIRE(parsed.state == parse_state::complete);
    CHECK(parsed.consumed == out.size());
    CHECK(parsed.head.reason == "Fine");
}

TEST_CASE("write_head: a request head reads back as it was written") {
    http::request_head head;
    head.method = "PUT";
    head.target = "/files/a?b=c";
    head.fields.add("Host", "example.com:8080");
    head.fields.add("Content-Length", "3");
    std::string out = "leftover";
    http::write_head(out, head);
    CHECK(out ==
          "leftoverPUT /files/a?b=c HTTP/1.1\r\nHost: example.com:8080\r\n"
          "Content-Length: 3\r\n\r\n");

    const auto parsed = parse(std::string_view(out).substr(8));
    REQUIRE(parsed.state == parse_state::complete);
    CHECK(parsed.head.method == "PUT");
    CHECK(parsed.head.target == "/files/a?b=c");
    CHECK(*parsed.head.fields.find("Content-Length") == "3");
}

TEST_CASE("valid_field and valid_request_line refuse what would inject a line") {
    CHECK(http::valid_field("X-A", "any value\twith tabs"));
    CHECK(http::valid_field("X-A", ""));
    CHECK_FALSE(http::valid_field("X-A", "a\r\nSet-Cookie: x=y"));
    CHECK_FALSE(http::valid_field("X-A", "a\nb"));
    CHECK_FALSE(http::valid_field("X-A", "a\rb"));
    CHECK_FALSE(http::valid_field("X-A", std::string_view("a\0b", 3)));
    CHECK_FALSE(http::valid_field("X-A\r\nB", "1"));
    CHECK_FALSE(http::valid_field("X A", "1"));
    CHECK_FALSE(http::valid_field("X:A", "1"));
    CHECK_FALSE(http::valid_field("", "1"));

    CHECK(http::valid_request_line("GET", "/a?b"));
    CHECK_FALSE(http::valid_request_line("GET", "/a HTTP/1.1\r\nHost: evil\r\n\r\nGET /b"));
    CHECK_FALSE(http::valid_request_line("GET", ""));
    CHECK_FALSE(http::valid_request_line("GET /", "/"));
}
