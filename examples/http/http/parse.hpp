// Parsing HTTP/1.1 heads and deciding how a body is framed, without any I/O. The
// connection code hands over the bytes it has buffered and gets back a head, "read
// more" or the status to fail with; it never has to buffer more than `limits` allow.
//
// The rules are strict on purpose: anything two implementations could read two ways
// (both Content-Length and Transfer-Encoding, differing Content-Lengths, folded lines,
// bare LF line ends) is refused rather than guessed at, so that a request cannot mean
// one thing here and another to a proxy in front (request smuggling).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/message.hpp"

namespace http {

struct limits {
    // The whole head: leading empty lines, start line, fields and the empty line ending
    // it. Also bounds the trailer section of a chunked body.
    std::size_t max_head_bytes = 16 * 1024;
    // The request line (or status line), without its CRLF.
    std::size_t max_request_line = 8 * 1024;
    // Field lines in a head, or in a trailer section.
    std::size_t max_headers = 100;
    // A request body, by Content-Length or by the sum of its chunks.
    std::uint64_t max_body = 8 * 1024 * 1024;
    // A chunk-size line with its extensions, without its CRLF.
    std::size_t max_chunk_line = 1024;
};

enum class parse_state {
    complete,    // a whole message part was parsed; `consumed` says how many bytes it took
    incomplete,  // everything so far is valid, and more bytes are needed
    failed,      // the bytes are not valid HTTP/1.1; answer with `status` and close
};

template <class Head>
struct head_result {
    parse_state state = parse_state::incomplete;
    // When complete: the bytes of the head, from the first byte of the buffer to the end
    // of its empty line. What follows is the body or the next message. 0 otherwise.
    std::size_t consumed = 0;
    Head head{};
    // When failed: the status to answer a request with (400, 414, 431, 505), or, for a
    // response, the same number for the same fault. 0 otherwise.
    int status = 0;
    // When failed: what was wrong, as short static text for logs.
    std::string_view why;
};

// Parses a request head from everything buffered so far on the connection. Call it
// again with the longer buffer after each read while it answers incomplete; it answers
// failed (414 or 431) once the buffer is too long to hold a head within `lim`.
head_result<request_head> parse_request_head(std::string_view buffered, const limits& lim);

// Parses a response head the same way, on the client side of a connection.
head_result<response_head> parse_response_head(std::string_view buffered, const limits& lim);

struct body_framing {
    // Scoped, because `length` names both a kind and the member holding it.
    enum class kind_t {
        none,         // no body
        length,       // exactly `length` bytes follow the head (possibly 0)
        chunked,      // a chunked body follows: decode it with chunked_decoder
        until_close,  // the body is everything until the peer closes (responses only)
    };
    kind_t kind = kind_t::none;
    std::uint64_t length = 0;
};

struct framing_result {
    body_framing framing;
    // 0 when the framing is known; otherwise the status to fail with (400, 413, 501),
    // after which the connection must close: where the message ends is unknown.
    int status = 0;
    std::string_view why;

    bool ok() const { return status == 0; }
};

// How the body of a parsed request is delimited (RFC 9112 §6.3).
framing_result request_framing(const request_head& head, const limits& lim);

// How the body of a response to a `request_method` request is delimited (RFC 9112
// §6.3). A response has no body limit here: the client applies its own while reading.
framing_result response_framing(const response_head& head, std::string_view request_method);

// Whether the connection stays open after this message (RFC 9112 §9.3): in HTTP/1.1
// unless Connection lists "close", in HTTP/1.0 only when it lists "keep-alive".
bool keep_alive(const request_head& head);
bool keep_alive(const response_head& head);

enum class expect_result {
    none,          // no expectation: read the body as usual
    continue_100,  // "Expect: 100-continue": send 100 Continue before reading the body
    unsupported,   // an expectation the server cannot meet: answer 417
};

// What the request's Expect field asks for (RFC 9110 §10.1.1).
expect_result expectation(const request_head& head);

namespace detail {

// Parses one field line (without its CRLF) into `field`, with the rules of a head:
// a token name directly followed by a colon, and a value of visible characters trimmed
// of surrounding whitespace. Returns why it is invalid (a 400), or "" when it is valid.
// Shared with the trailer section of a chunked body.
std::string_view parse_field_line(std::string_view line, header_field& field);

}  // namespace detail

}  // namespace http
