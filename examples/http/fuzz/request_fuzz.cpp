// Fuzz target: reads its input the way a server reads a connection, and stops the
// process (__builtin_trap) when the message layer breaks a promise. Built for libFuzzer
// as interop-http-fuzz (Clang), and into interop-http-fuzz-replay, which runs the
// corpus with any compiler.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "http/chunked.hpp"
#include "http/parse.hpp"

namespace {

void check(bool holds) {
    if (!holds) __builtin_trap();
}

bool is_error_status(int status) { return status >= 400 && status <= 505; }

// The lookups the framing relies on answer what a scan of the fields finds.
void check_lookups(const http::headers& fields) {
    for (std::string_view name :
         {"Content-Length", "transfer-encoding", "CONNECTION", "Expect", "Host"}) {
        check(fields.contains(name) == (fields.find(name) != nullptr));
    }
}

// A complete head must be one a server can act on without checking it again.
void check_request_head(const http::request_head& head) {
    check(http::is_token(head.method));
    check(!head.target.empty());
    check(std::all_of(head.target.begin(), head.target.end(),
                      [](char c) { return c > ' ' && c < '\x7f'; }));
    check(head.version == 10 || head.version == 11);
    check(head.fields.count("Host") <= 1);
    check(head.version == 10 || head.fields.count("Host") == 1);
    for (const http::header_field& field : head.fields) {
        check(http::is_token(field.name));
        check(http::is_field_value(field.value));
    }
    check_lookups(head.fields);
}

struct decoded {
    http::decode_result last;
    std::size_t consumed = 0;
    std::string body;
};

// Feeds `input` to a fresh decoder in pieces of the given sizes, in turn, until it
// answers complete or failed or the input runs out.
decoded decode_in_pieces(std::string_view input, const http::limits& lim,
                         std::initializer_list<std::size_t> sizes) {
    http::chunked_decoder decoder(lim);
    decoded result;
    const auto* size = sizes.begin();
    while (result.consumed < input.size()) {
        const std::string_view piece = input.substr(result.consumed, *size);
        const std::size_t before = result.body.size();
        result.last = decoder.feed(piece, result.body);
        check(result.last.consumed <= piece.size());
        check(result.body.size() - before <= result.last.consumed);
        result.consumed += result.last.consumed;
        if (result.last.state != http::parse_state::incomplete) break;
        check(result.last.consumed == piece.size());  // incomplete uses every byte
        if (++size == sizes.end()) size = sizes.begin();
    }
    if (result.last.state == http::parse_state::failed) check(is_error_status(result.last.status));
    if (result.last.state == http::parse_state::complete) check(decoder.done());
    check(decoder.body_size() == result.body.size());
    check(result.body.size() <= input.size());
    check(result.body.size() <= lim.max_body);
    return result;
}

void serve(std::string_view input) {
    // Small limits, so that the fuzzer reaches them with short inputs.
    http::limits lim;
    lim.max_head_bytes = 2048;
    lim.max_request_line = 512;
    lim.max_headers = 16;
    lim.max_body = 4096;
    lim.max_chunk_line = 64;

    const http::head_result<http::request_head> parsed = http::parse_request_head(input, lim);
    check(parsed.consumed <= input.size());
    if (parsed.state == http::parse_state::failed) {
        check(is_error_status(parsed.status));
        check(!parsed.why.empty());
        return;
    }
    if (parsed.state == http::parse_state::incomplete) {
        check(parsed.consumed == 0);
        check(input.size() <= lim.max_head_bytes);
        return;
    }
    check(parsed.consumed > 0 && parsed.consumed <= lim.max_head_bytes);
    check_request_head(parsed.head);
    // The head alone parses the same, and one byte less of it is not yet a head.
    const std::string_view head_bytes = input.substr(0, parsed.consumed);
    check(http::parse_request_head(head_bytes, lim).consumed == parsed.consumed);
    check(http::parse_request_head(head_bytes.substr(0, parsed.consumed - 1), lim).state ==
          http::parse_state::incomplete);

    (void)http::keep_alive(parsed.head);
    (void)http::expectation(parsed.head);
    const http::framing_result framing = http::request_framing(parsed.head, lim);
    if (!framing.ok()) {
        check(is_error_status(framing.status));
        return;
    }
    const std::string_view rest = input.substr(parsed.consumed);
    switch (framing.framing.kind) {
        case http::body_framing::kind_t::none:
            break;
        case http::body_framing::kind_t::length:
            check(framing.framing.length <= lim.max_body);
            break;
        case http::body_framing::kind_t::chunked: {
            // However the bytes arrive, the decoder reads the same body.
            const decoded whole = decode_in_pieces(rest, lim, {rest.size() + 1});
            const decoded bytes = decode_in_pieces(rest, lim, {1});
            const decoded mixed = decode_in_pieces(rest, lim, {3, 1, 17, 2, 64});
            for (const decoded* other : {&bytes, &mixed}) {
                check(other->last.state == whole.last.state);
                check(other->last.status == whole.last.status);
                check(other->consumed == whole.consumed);
                check(other->body == whole.body);
            }
            break;
        }
        case http::body_framing::kind_t::until_close:
            check(false);
            break;  // never for a request
    }
}

// The client's side of the same bytes, for the response parser.
void receive(std::string_view input) {
    const http::limits lim;
    const http::head_result<http::response_head> parsed = http::parse_response_head(input, lim);
    check(parsed.consumed <= input.size());
    if (parsed.state == http::parse_state::failed) check(is_error_status(parsed.status));
    if (parsed.state != http::parse_state::complete) return;
    check(parsed.head.status >= 100 && parsed.head.status <= 599);
    check(parsed.head.version == 10 || parsed.head.version == 11);
    check_lookups(parsed.head.fields);
    const http::framing_result framing = http::response_framing(parsed.head, "GET");
    if (!framing.ok()) check(is_error_status(framing.status));
    (void)http::keep_alive(parsed.head);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    serve(input);
    receive(input);
    return 0;
}
