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

bool is_whitespace(char c) { return c == ' ' || c == '\t'; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_whitespace(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_whitespace(text.back())) text.remove_suffix(1);
    return text;
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

// request-target: here any run of visible ASCII characters; the server judges its form.
bool is_request_target(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return c > ' ' && c < '\x7f';  // no SP, no control character, no non-ASCII byte
    });
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
    const auto is_name_char = [](char c) {  // unreserved / sub-delims
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
               std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
    };
    std::size_t at = 0;
    if (!value.empty() && value.front() == '[') {
        const std::size_t close = value.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        const std::string_view literal = value.substr(1, close - 1);
        if (!std::all_of(literal.begin(), literal.end(),
                         [&](char c) { return is_name_char(c) || c == ':'; })) {
            return false;
        }
        at = close + 1;
    } else {
        while (at < value.size() && value[at] != ':') {
            if (value[at] == '%') {
                if (at + 2 >= value.size() || !is_hex(value[at + 1]) || !is_hex(value[at + 2])) {
                    return false;
                }
                at += 3;
            } else if (is_name_char(value[at])) {
                ++at;
            } else {
                return false;
            }
        }
    }
    if (at == value.size()) return true;
    if (value[at] != ':') return false;
    const std::string_view port = value.substr(at + 1);
    return std::all_of(port.begin(), port.end(), is_digit);
}

// RFC 9112 §3.2: a request must name its host exactly once.
fault check_head(const request_head& head) {
    const std::size_t hosts = head.fields.count("Host");
    if (hosts > 1) return {400, "more than one Host field"};
    if (hosts == 0) {
        if (head.version >= 11) return {400, "HTTP/1.1 request without Host"};
        return {};
    }
    if (!is_host(*head.fields.find("Host"))) return {400, "invalid Host"};
    return {};
}

fault check_head(const response_head&) { return {}; }

template <class Head>
head_result<Head> failure(fault error) {
    head_result<Head> result;
    result.state = parse_state::failed;
    result.status = error.status;
    result.why = error.why;
    return result;
}

// The steps shared by requests and responses: leading empty lines (requests only), the
// start line, the field lines up to the empty line, and the limits on each.
template <class Head>
head_result<Head> parse_head(std::string_view buffered, const limits& lim) {
    constexpr bool request = std::is_same_v<Head, request_head>;
    // A start line too long to buffer: for a request, in practice a long target.
    constexpr int long_start_line_status = request ? 414 : 431;

    std::size_t pos = 0;
    if constexpr (request) {
        for (int skipped = 0;
             skipped < max_leading_empty_lines && buffered.substr(pos).starts_with("\r\n");
             ++skipped) {
            pos += 2;
        }
    }

    const line start = line_at(buffered, pos);
    if (start.end == line_end::bare_lf) return failure<Head>({400, "line ended by a bare LF"});
    if (start.text.size() > lim.max_request_line) {
        return failure<Head>({long_start_line_status, "start line too long"});
    }
    if (start.next > lim.max_head_bytes) return failure<Head>({431, "head too large"});
    if (start.end == line_end::missing) {
        if (has_lone_cr(start.text)) return failure<Head>({400, "CR without LF"});
        return {};
    }

    head_result<Head> result;
    if (const fault error = parse_start_line(start.text, result.head); error.status != 0) {
        return failure<Head>(error);
    }

    // Collected here rather than in the headers, so that a folded line can still be
    // joined to the field before it.
    std::vector<header_field> fields;
    for (pos = start.next;;) {
        const line field_line = line_at(buffered, pos);
        if (field_line.end == line_end::bare_lf) {
            return failure<Head>({400, "line ended by a bare LF"});
        }
        if (field_line.next > lim.max_head_bytes) return failure<Head>({431, "head too large"});
        if (field_line.end == line_end::missing) {
            if (has_lone_cr(field_line.text)) return failure<Head>({400, "CR without LF"});
            return {};
        }
        pos = field_line.next;
        if (field_line.text.empty()) break;

        if (is_whitespace(field_line.text.front())) {
            // obs-fold (RFC 9112 §5.2): a request with one is refused; a client replaces
            // it with a space. Before any field, it folds nothing and is refused too.
            if (request || fields.empty()) return failure<Head>({400, "obsolete line folding"});
            const std::string_view more = trim(field_line.text);
            if (!is_field_value(more)) {
                return failure<Head>({400, "control character in a field value"});
            }
            if (!more.empty()) fields.back().value.append(" ").append(more);
            continue;
        }

        if (fields.size() == lim.max_headers) return failure<Head>({431, "too many fields"});
        header_field field;
        if (const std::string_view why = detail::parse_field_line(field_line.text, field);
            !why.empty()) {
            return failure<Head>({400, why});
        }
        fields.push_back(std::move(field));
    }

    for (header_field& field : fields) {
        result.head.fields.add(std::move(field.name), std::move(field.value));
    }
    if (const fault error = check_head(result.head); error.status != 0) {
        return failure<Head>(error);
    }
    result.state = parse_state::complete;
    result.consumed = pos;
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

// Content-Length (RFC 9110 §8.6): every field, and every element of a comma-separated
// list in one, must be the same decimal number; anything else makes the length unknown.
length_status content_length(const headers& fields, std::uint64_t& length) {
    const std::vector<std::string_view> values = fields.all("Content-Length");
    if (values.empty()) return length_status::absent;
    std::optional<std::uint64_t> agreed;
    for (std::string_view list : values) {
        for (;;) {
            const std::size_t comma = list.find(',');
            std::uint64_t value = 0;
            if (!parse_decimal(trim(list.substr(0, comma)), value)) return length_status::invalid;
            if (agreed && *agreed != value) return length_status::invalid;
            agreed = value;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    length = *agreed;
    return length_status::valid;
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
    for (std::string_view list : fields.all("Transfer-Encoding")) {
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

framing_result request_framing(const request_head& head, const limits& lim) {
    const bool has_transfer_encoding = head.fields.find("Transfer-Encoding") != nullptr;
    std::uint64_t length = 0;
    const length_status has_length = content_length(head.fields, length);

    if (has_transfer_encoding) {
        // RFC 9112 §6.1 and §6.3: each of these leaves the end of the body in doubt.
        if (has_length != length_status::absent) {
            return framing_failure(400, "both Transfer-Encoding and Content-Length");
        }
        if (head.version < 11) return framing_failure(400, "Transfer-Encoding in HTTP/1.0");
        const transfer_codings codings = read_transfer_codings(head.fields);
        if (codings.malformed) return framing_failure(400, "malformed Transfer-Encoding");
        if (codings.chunked > 1) return framing_failure(400, "chunked applied more than once");
        if (!codings.chunked_last) return framing_failure(400, "final coding is not chunked");
        if (codings.count > 1) return framing_failure(501, "unsupported transfer coding");
        return framed_as(body_framing::kind_t::chunked);
    }
    switch (has_length) {
        case length_status::absent:
            return framed_as(body_framing::kind_t::none);
        case length_status::invalid:
            return framing_failure(400, "invalid Content-Length");
        case length_status::valid:
            break;
    }
    if (length > lim.max_body) return framing_failure(413, "body too large");
    return framed_as(body_framing::kind_t::length, length);
}

framing_result response_framing(const response_head& head, std::string_view request_method) {
    // RFC 9112 §6.3, in its order: responses that never have a body, then a tunnel.
    const int status = head.status;
    if (request_method == "HEAD" || status / 100 == 1 || status == 204 || status == 304) {
        return framed_as(body_framing::kind_t::none);
    }
    if (request_method == "CONNECT" && status / 100 == 2)
        return framed_as(body_framing::kind_t::none);

    const bool has_transfer_encoding = head.fields.find("Transfer-Encoding") != nullptr;
    std::uint64_t length = 0;
    const length_status has_length = content_length(head.fields, length);
    if (has_transfer_encoding) {
        // Treated as an error rather than letting one header win: a response carrying
        // both may be an attempt at response splitting (RFC 9112 §6.3).
        if (has_length != length_status::absent) {
            return framing_failure(400, "both Transfer-Encoding and Content-Length");
        }
        if (head.version < 11) return framing_failure(400, "Transfer-Encoding in HTTP/1.0");
        const transfer_codings codings = read_transfer_codings(head.fields);
        if (codings.malformed) return framing_failure(400, "malformed Transfer-Encoding");
        if (codings.chunked > 1) return framing_failure(400, "chunked applied more than once");
        if (codings.chunked_last) return framed_as(body_framing::kind_t::chunked);
        return framed_as(body_framing::kind_t::until_close);
    }
    switch (has_length) {
        case length_status::absent:
            return framed_as(body_framing::kind_t::until_close);
        case length_status::invalid:
            return framing_failure(400, "invalid Content-Length");
        case length_status::valid:
            break;
    }
    return framed_as(body_framing::kind_t::length, length);
}

bool keep_alive(const request_head& head) { return persistent(head.version, head.fields); }

bool keep_alive(const response_head& head) { return persistent(head.version, head.fields); }

expect_result expectation(const request_head& head) {
    const std::vector<std::string_view> values = head.fields.all("Expect");
    if (values.empty()) return expect_result::none;
    if (values.size() == 1 && equals_ignore_case(trim(values.front()), "100-continue")) {
        // RFC 9110 §10.1.1: an HTTP/1.0 client cannot wait for 100 Continue.
        return head.version >= 11 ? expect_result::continue_100 : expect_result::none;
    }
    return expect_result::unsupported;
}

}  // namespace http
