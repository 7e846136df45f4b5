#include "http/parse.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace http {

namespace {

// RFC 9112 §2.2 asks a server to ignore "at least one" empty line before a request
// line (left over from a client that ends a body with an extra CRLF). A few are enough;
// more is not a client being sloppy.
constexpr int max_leading_empty_lines = 4;

// The fields a head is expected to have at most, for the one allocation that holds them:
// a browser sends a dozen or so. A head may have more (up to limits::max_headers); the
// vector then grows.
constexpr std::size_t expected_fields = 16;

bool is_whitespace(char c) { return c == ' ' || c == '\t'; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view text) {
    const char* begin = text.data();
    const char* end = begin + text.size();
    while (begin != end && is_whitespace(*begin)) ++begin;
    while (end != begin && is_whitespace(end[-1])) --end;
    return {begin, end};
}

// ---- Lines ---------------------------------------------------------------------------

enum class line_end { crlf, missing, bare_lf };

struct line {
    std::string_view text;  // without the CRLF; when `missing`, everything up to the end
    std::size_t next = 0;   // where the line after it starts
    line_end end = line_end::missing;
};

// The line starting at `from`. Only CRLF ends a line (RFC 9112 §2.2): a recipient that
// took a bare LF for a line end would split a message where another one would not.
line line_at(std::string_view buffer, std::size_t from) {
    const std::size_t lf = buffer.find('\n', from);
    if (lf == std::string_view::npos) {
        return {buffer.substr(from), buffer.size(), line_end::missing};
    }
    if (lf == from || buffer[lf - 1] != '\r') return {{}, lf + 1, line_end::bare_lf};
    return {buffer.substr(from, lf - 1 - from), lf + 1, line_end::crlf};
}

// Whether an empty line (the one ending a head) starts at `from`.
bool empty_line_at(std::string_view buffer, std::size_t from) {
    return buffer.size() - from >= 2 && buffer[from] == '\r' && buffer[from + 1] == '\n';
}

// Whether the unfinished tail of a buffer already holds a CR that a LF does not follow
// (a CR at its very end may still get its LF).
bool has_lone_cr(std::string_view partial_line) {
    const std::size_t cr = partial_line.find('\r');
    return cr != std::string_view::npos && cr + 1 < partial_line.size();
}

// ---- Start lines ---------------------------------------------------------------------

struct fault {
    int status = 0;
    std::string_view why;
};

// HTTP-version (RFC 9112 §2.3): "HTTP/" DIGIT "." DIGIT, case-sensitive. Any 1.x
// above 1.1 is served as 1.1 (RFC 9110 §2.5); another major version is refused.
std::optional<int> parse_version(std::string_view text, fault& error) {
    if (text.size() != 8 || text.substr(0, 5) != "HTTP/" || !is_digit(text[5]) || text[6] != '.' ||
        !is_digit(text[7])) {
        error = {400, "malformed HTTP version"};
        return std::nullopt;
    }
    if (text[5] != '1') {
        error = {505, "HTTP major version other than 1"};
        return std::nullopt;
    }
    return text[7] == '0' ? 10 : 11;
}

// request-target: here any run of visible ASCII characters (no SP, no control
// character, no non-ASCII byte); the server judges its form.
bool is_request_target(std::string_view text) {
    const char* end = text.data() + text.size();
    return !text.empty() && detail::target_end(text.data(), end) == end;
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), with exactly
// one SP between the parts.
fault parse_start_line(std::string_view text, request_head& head) {
    const std::size_t first_space = text.find(' ');
    if (first_space == std::string_view::npos) return {400, "malformed request line"};
    const std::string_view method = text.substr(0, first_space);
    if (!is_token(method)) return {400, "invalid method"};

    const std::string_view rest = text.substr(first_space + 1);
    const std::size_t second_space = rest.find(' ');
    if (second_space == std::string_view::npos) return {400, "malformed request line"};
    const std::string_view target = rest.substr(0, second_space);
    if (!is_request_target(target)) return {400, "invalid request target"};

    fault error;
    const std::optional<int> version = parse_version(rest.substr(second_space + 1), error);
    if (!version) return error;

    head.method = method;
    head.target = target;
    head.version = *version;
    return {};
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).
fault parse_start_line(std::string_view text, response_head& head) {
    fault error;
    const std::optional<int> version = parse_version(text.substr(0, 8), error);
    if (!version) return error;
    if (text.size() < 13 || text[8] != ' ' || !is_digit(text[9]) || !is_digit(text[10]) ||
        !is_digit(text[11]) || text[12] != ' ') {
        return {400, "malformed status line"};
    }
    const int status = (text[9] - '0') * 100 + (text[10] - '0') * 10 + (text[11] - '0');
    if (status < 100 || status > 599) return {400, "status code out of range"};
    const std::string_view reason = text.substr(13);
    if (!is_field_value(reason)) return {400, "control character in the reason phrase"};

    head.version = *version;
    head.status = status;
    head.reason = reason;
    return {};
}

// ---- Heads ---------------------------------------------------------------------------

// Host (RFC 9110 §7.2): uri-host [ ":" port ], where uri-host is an IP literal in
// brackets or a reg-name (RFC 3986 §3.2.2). Empty is allowed.
bool is_host(std::string_view value) {
    const auto is_hex = [](char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    std::size_t at = 0;
    if (!value.empty() && value.front() == '[') {
        const std::size_t close = value.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        const std::string_view literal = value.substr(1, close - 1);
        if (!std::all_of(literal.begin(), literal.end(), [](char c) {
                return detail::in_class(c, detail::host_byte) || c == ':';
            })) {
            return false;
        }
        at = close + 1;
    } else {
        // reg-name: unreserved and sub-delims characters, and percent-encoded octets.
        for (;;) {
            at = static_cast<std::size_t>(detail::class_run(value.data() + at,
                                                            value.data() + value.size(),
                                                            detail::host_byte) -
                                          value.data());
            if (at == value.size() || value[at] != '%') break;
            if (at + 2 >= value.size() || !is_hex(value[at + 1]) || !is_hex(value[at + 2])) {
                return false;
            }
            at += 3;
        }
    }
    if (at == value.size()) return true;
    if (value[at] != ':') return false;
    const std::string_view port = value.substr(at + 1);
    return std::all_of(port.begin(), port.end(), is_digit);
}

// RFC 9112 §3.2: a request must name its host exactly once.
fault check_head(const request_head& head) {
    const std::string* host = nullptr;
    for (const header_field& field : head.fields) {
        if (!equals_ignore_case(field.name, "Host")) continue;
        if (host != nullptr) return {400, "more than one Host field"};
        host = &field.value;
    }
    if (host == nullptr) {
        if (head.version >= 11) return {400, "HTTP/1.1 request without Host"};
        return {};
    }
    if (!is_host(*host)) return {400, "invalid Host"};
    return {};
}

fault check_head(const response_head&) { return {}; }

// ---- The common case -----------------------------------------------------------------
//
// Nearly every head is made of lines of one form each: a request line of single spaces
// and "HTTP/1.x", field lines "name: value" of valid bytes, CRLF line ends. A line of
// that form is read in one pass, a table lookup per byte, where the scan of its last
// part finds its CR; the general path would look for the line's end first and then
// read it again. Any other line, an incomplete one included, goes to the general path,
// which finds what is wrong with it: the common path accepts only lines the general
// one accepts, and reads them the same.

// Copies `text` into `out`, which is empty (appending to an empty string is assigning,
// with fewer checks).
void copy_into(std::string& out, std::string_view text) { out.append(text); }

struct common_request {
    std::string_view method;
    std::string_view target;
    int version = 0;
    const char* next = nullptr;  // where the line after it starts; null when not of this form
};

// method SP request-target SP "HTTP/1." DIGIT CRLF, in the bytes from `begin` to `end`.
common_request common_request_line(const char* begin, const char* end) {
    const char* method_end = detail::class_run(begin, end, detail::tchar);
    if (method_end == begin || method_end == end || *method_end != ' ') return {};
    const char* target = method_end + 1;
    const char* target_end = detail::target_end(target, end);
    constexpr std::string_view version_prefix = " HTTP/1.";
    if (target_end == target || end - target_end < 11 ||
        std::string_view(target_end, version_prefix.size()) != version_prefix ||
        !is_digit(target_end[8]) || target_end[9] != '\r' || target_end[10] != '\n') {
        return {};
    }
    return {
        {begin, method_end}, {target, target_end}, target_end[8] == '0' ? 10 : 11, target_end + 11};
}

// Reads the request line at `from` into `head` when it is of the common form and within
// the limits. Returns where the next line starts, or 0 to leave the line to the general
// path.
std::size_t read_common_start_line(std::string_view buffer, std::size_t from, const limits& lim,
                                   request_head& head) {
    const common_request common =
        common_request_line(buffer.data() + from, buffer.data() + buffer.size());
    if (common.next == nullptr) return 0;
    const auto next = static_cast<std::size_t>(common.next - buffer.data());
    if (next - 2 - from > lim.max_request_line || next > lim.max_head_bytes) return 0;
    copy_into(head.method, common.method);
    copy_into(head.target, common.target);
    head.version = common.version;
    return next;
}

// The status line always takes the general path: the common path is for the server.
std::size_t read_common_start_line(std::string_view, std::size_t, const limits&, response_head&) {
    return 0;
}

struct common_field {
    std::string_view name;
    std::string_view value;      // trimmed
    const char* next = nullptr;  // where the line after it starts; null when not of this form
};

// token ":" OWS field-value OWS CRLF, in the bytes from `begin` to `end`.
common_field common_field_line(const char* begin, const char* end) {
    const char* colon = detail::class_run(begin, end, detail::tchar);
    if (colon == begin || colon == end || *colon != ':') return {};
    const char* value = colon + 1;
    const char* value_end = detail::field_value_end(value, end);
    if (end - value_end < 2 || value_end[0] != '\r' || value_end[1] != '\n') return {};
    return {{begin, colon}, trim({value, value_end}), value_end + 2};
}

// ---- Heads, line by line -------------------------------------------------------------

// Reads the head at the start of `buffered` into `result`: leading empty lines
// (requests only), the start line, the field lines up to the empty line, and the limits
// on each. Marks `result` complete when it is; returns the fault that fails it, or no
// fault (status 0) with `result` incomplete when the head goes on past the buffer.
template <class Head>
fault read_head(std::string_view buffered, const limits& lim, head_result<Head>& result) {
    constexpr bool request = std::is_same_v<Head, request_head>;
    // A start line too long to buffer: for a request, in practice a long target.
    constexpr int long_start_line_status = request ? 414 : 431;

    std::size_t pos = 0;
    if constexpr (request) {
        for (int skipped = 0; skipped < max_leading_empty_lines && empty_line_at(buffered, pos);
             ++skipped) {
            pos += 2;
        }
    }

    std::size_t next = read_common_start_line(buffered, pos, lim, result.head);
    if (next == 0) {
        const line start = line_at(buffered, pos);
        if (start.end == line_end::bare_lf) return {400, "line ended by a bare LF"};
        if (start.text.size() > lim.max_request_line) {
            return {long_start_line_status, "start line too long"};
        }
        if (start.next > lim.max_head_bytes) return {431, "head too large"};
        if (start.end == line_end::missing) {
            if (has_lone_cr(start.text)) return {400, "CR without LF"};
            return {};
        }
        if (const fault error = parse_start_line(start.text, result.head); error.status != 0) {
            return error;
        }
        next = start.next;
    }

    // Collected here rather than in the headers, so that a folded line can still be
    // joined to the field before it.
    std::vector<header_field> fields;
    fields.reserve(std::min(expected_fields, lim.max_headers));
    const char* buffer_end = buffered.data() + buffered.size();
    for (pos = next;;) {
        if (empty_line_at(buffered, pos) && pos + 2 <= lim.max_head_bytes) {
            pos += 2;
            break;
        }
        if (const common_field common = common_field_line(buffered.data() + pos, buffer_end);
            common.next != nullptr &&
            static_cast<std::size_t>(common.next - buffered.data()) <= lim.max_head_bytes &&
            fields.size() < lim.max_headers) {
            header_field& field = fields.emplace_back();
            copy_into(field.name, common.name);
            copy_into(field.value, common.value);
            pos = static_cast<std::size_t>(common.next - buffered.data());
            continue;
        }

        // The general path, for any other line.
        const line field_line = line_at(buffered, pos);
        if (field_line.end == line_end::bare_lf) return {400, "line ended by a bare LF"};
        if (field_line.next > lim.max_head_bytes) return {431, "head too large"};
        if (field_line.end == line_end::missing) {
            if (has_lone_cr(field_line.text)) return {400, "CR without LF"};
            return {};
        }
        pos = field_line.next;
        if (field_line.text.empty()) break;

        if (is_whitespace(field_line.text.front())) {
            // obs-fold (RFC 9112 §5.2): a request with one is refused; a client replaces
            // it with a space. Before any field, it folds nothing and is refused too.
            if (request || fields.empty()) return {400, "obsolete line folding"};
            const std::string_view more = trim(field_line.text);
            if (!is_field_value(more)) return {400, "control character in a field value"};
            if (!more.empty()) fields.back().value.append(" ").append(more);
            continue;
        }

        if (fields.size() == lim.max_headers) return {431, "too many fields"};
        header_field field;
        if (const std::string_view why = detail::parse_field_line(field_line.text, field);
            !why.empty()) {
            return {400, why};
        }
        fields.push_back(std::move(field));
    }

    result.head.fields = headers(std::move(fields));
    if (const fault error = check_head(result.head); error.status != 0) return error;
    result.state = parse_state::complete;
    result.consumed = pos;
    return {};
}

template <class Head>
head_result<Head> parse_head(std::string_view buffered, const limits& lim) {
    head_result<Head> result;
    const fault error = read_head(buffered, lim, result);
    if (result.state != parse_state::complete) {
        // Neither a failed nor an incomplete parse leaves a partial head behind.
        result.head = Head{};
        if (error.status != 0) {
            result.state = parse_state::failed;
            result.status = error.status;
            result.why = error.why;
        }
    }
    return result;
}

// ---- Framing -------------------------------------------------------------------------

framing_result framing_failure(int status, std::string_view why) {
    framing_result result;
    result.status = status;
    result.why = why;
    return result;
}

framing_result framed_as(body_framing::kind_t kind, std::uint64_t length = 0) {
    framing_result result;
    result.framing.kind = kind;
    result.framing.length = length;
    return result;
}

bool parse_decimal(std::string_view text, std::uint64_t& value) {
    if (text.empty()) return false;
    value = 0;
    for (const char c : text) {
        if (!is_digit(c)) return false;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
        value = value * 10 + digit;
    }
    return true;
}

enum class length_status { absent, valid, invalid };

// What the fields of a head say about the framing of its body, read in one pass.
struct body_fields {
    bool transfer_encoding = false;  // at least one Transfer-Encoding field
    length_status length = length_status::absent;
    std::uint64_t content_length = 0;  // when `length` is valid
};

// Content-Length (RFC 9110 §8.6): every field, and every element of a comma-separated
// list in one, must be the same decimal number; anything else makes the length unknown.
// Adds one field's value to what the ones before it said.
void add_content_length(std::string_view list, body_fields& body) {
    if (body.length == length_status::invalid) return;
    for (;;) {
        const std::size_t comma = list.find(',');
        std::uint64_t value = 0;
        if (!parse_decimal(trim(list.substr(0, comma)), value) ||
            (body.length == length_status::valid && body.content_length != value)) {
            body.length = length_status::invalid;
            return;
        }
        body.length = length_status::valid;
        body.content_length = value;
        if (comma == std::string_view::npos) return;
        list.remove_prefix(comma + 1);
    }
}

body_fields read_body_fields(const headers& fields) {
    body_fields body;
    for (const header_field& field : fields) {
        if (equals_ignore_case(field.name, "Content-Length")) {
            add_content_length(field.value, body);
        } else if (equals_ignore_case(field.name, "Transfer-Encoding")) {
            body.transfer_encoding = true;
        }
    }
    return body;
}

// What a Transfer-Encoding list says about framing.
struct transfer_codings {
    bool malformed = false;  // an element that is not a transfer-coding
    int count = 0;           // codings listed, in all fields together
    int chunked = 0;         // how many of them are "chunked"
    bool chunked_last = false;
};

// transfer-coding = token *( OWS ";" OWS transfer-parameter ) (RFC 9112 §7); empty list
// elements are skipped (RFC 9110 §5.6.1).
transfer_codings read_transfer_codings(const headers& fields) {
    transfer_codings codings;
    for (const header_field& field : fields) {
        if (!equals_ignore_case(field.name, "Transfer-Encoding")) continue;
        std::string_view list = field.value;
        for (;;) {
            const std::size_t comma = list.find(',');
            const std::string_view element = trim(list.substr(0, comma));
            if (!element.empty()) {
                const std::size_t semicolon = element.find(';');
                const std::string_view name = trim(element.substr(0, semicolon));
                const bool is_chunked = equals_ignore_case(name, "chunked");
                // "chunked" takes no parameters; a parameter on it is a framing we
                // could read differently from someone else.
                if (!is_token(name) || (is_chunked && semicolon != std::string_view::npos)) {
                    codings.malformed = true;
                }
                ++codings.count;
                if (is_chunked) ++codings.chunked;
                codings.chunked_last = is_chunked;
            }
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return codings;
}

bool persistent(int version, const headers& fields) {
    if (!fields.contains("Connection")) return version >= 11;
    if (has_token(fields, "Connection", "close")) return false;
    return version >= 11 || has_token(fields, "Connection", "keep-alive");
}

}  // namespace

namespace detail {

// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
std::string_view parse_field_line(std::string_view line, header_field& field) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return "field line without a colon";
    const std::string_view name = line.substr(0, colon);
    if (name.empty()) return "empty field name";
    // RFC 9112 §5.1: whitespace before the colon must be refused with 400, or one
    // reader sees "Content-Length " where another sees "Content-Length".
    if (is_whitespace(name.back())) return "whitespace between field name and colon";
    if (!is_token(name)) return "invalid field name";
    const std::string_view value = trim(line.substr(colon + 1));
    if (!is_field_value(value)) return "control character in a field value";
    field.name = name;
    field.value = value;
    return {};
}

}  // namespace detail

head_result<request_head> parse_request_head(std::string_view buffered, const limits& lim) {
    return parse_head<request_head>(buffered, lim);
}

head_result<response_head> parse_response_head(std::string_view buffered, const limits& lim) {
    return parse_head<response_head>(buffered, lim);
}

namespace {

// What requests and responses with Transfer-Encoding both refuse (RFC 9112 §6.1, §6.3):
// Content-Length beside it (the end of the body in doubt, or an attempt at splitting
// a message), HTTP/1.0, a malformed list, chunked twice. Fills `codings` otherwise.
std::optional<framing_result> transfer_encoding_failure(int version, const body_fields& body,
                                                        const headers& fields,
                                                        transfer_codings& codings) {
    if (body.length != length_status::absent) {
        return framing_failure(400, "both Transfer-Encoding and Content-Length");
    }
    if (version < 11) return framing_failure(400, "Transfer-Encoding in HTTP/1.0");
    codings = read_transfer_codings(fields);
    if (codings.malformed) return framing_failure(400, "malformed Transfer-Encoding");
    if (codings.chunked > 1) return framing_failure(400, "chunked applied more than once");
    return std::nullopt;
}

}  // namespace

framing_result request_framing(const request_head& head, const limits& lim) {
    if (!head.fields.contains("Content-Length") && !head.fields.contains("Transfer-Encoding")) {
        return framed_as(body_framing::kind_t::none);
    }
    const body_fields body = read_body_fields(head.fields);
    if (body.transfer_encoding) {
        transfer_codings codings;
        if (auto failed = transfer_encoding_failure(head.version, body, head.fields, codings)) {
            return *failed;
        }
        if (!codings.chunked_last) return framing_failure(400, "final coding is not chunked");
        if (codings.count > 1) return framing_failure(501, "unsupported transfer coding");
        return framed_as(body_framing::kind_t::chunked);
    }
    switch (body.length) {
        case length_status::absent:
            return framed_as(body_framing::kind_t::none);
        case length_status::invalid:
            return framing_failure(400, "invalid Content-Length");
        case length_status::valid:
            break;
    }
    if (body.content_length > lim.max_body) return framing_failure(413, "body too large");
    return framed_as(body_framing::kind_t::length, body.content_length);
}

framing_result response_framing(const response_head& head, std::string_view request_method) {
    // RFC 9112 §6.3, in its order: responses that never have a body, then a tunnel.
    const int status = head.status;
    if (request_method == "HEAD" || status / 100 == 1 || status == 204 || status == 304) {
        return framed_as(body_framing::kind_t::none);
    }
    if (request_method == "CONNECT" && status / 100 == 2)
        return framed_as(body_framing::kind_t::none);

    const body_fields body = read_body_fields(head.fields);
    if (body.transfer_encoding) {
        transfer_codings codings;
        if (auto failed = transfer_encoding_failure(head.version, body, head.fields, codings)) {
            return *failed;
        }
        if (codings.chunked_last) return framed_as(body_framing::kind_t::chunked);
        return framed_as(body_framing::kind_t::until_close);
    }
    switch (body.length) {
        case length_status::absent:
            return framed_as(body_framing::kind_t::until_close);
        case length_status::invalid:
            return framing_failure(400, "invalid Content-Length");
        case length_status::valid:
            break;
    }
    return framed_as(body_framing::kind_t::length, body.content_length);
}

bool keep_alive(const request_head& head) { return persistent(head.version, head.fields); }

bool keep_alive(const response_head& head) { return persistent(head.version, head.fields); }

expect_result expectation(const request_head& head) {
    if (!head.fields.contains("Expect")) return expect_result::none;
    const std::string* expect = nullptr;
    for (const header_field& field : head.fields) {
        if (!equals_ignore_case(field.name, "Expect")) continue;
        if (expect != nullptr) return expect_result::unsupported;  // one Expect only
        expect = &field.value;
    }
    if (expect == nullptr) return expect_result::none;
    if (equals_ignore_case(trim(*expect), "100-continue")) {
        // RFC 9110 §10.1.1: an HTTP/1.0 client cannot wait for 100 Continue.
        return head.version >= 11 ? expect_result::continue_100 : expect_result::none;
    }
    return expect_result::unsupported;
}

}  // namespace http
