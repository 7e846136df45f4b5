#include "http/response_writer.hpp"

#include <charconv>
#include <string_view>

#include "http/chunked.hpp"
#include "http/http_date.hpp"
#include "http/serialize.hpp"

namespace http {

namespace {

void append_number(std::string& out, std::uint64_t n) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.append(digits, end);
}

// The fields whose values only the server can get right (Date it always writes). The
// length is compared first: most fields have none of these four lengths.
bool framing_field(std::string_view name) {
    switch (name.size()) {
        case 4:
            return equals_ignore_case(name, "Date");
        case 10:
            return equals_ignore_case(name, "Connection");
        case 14:
            return equals_ignore_case(name, "Content-Length");
        case 17:
            return equals_ignore_case(name, "Transfer-Encoding");
        default:
            return false;
    }
}

// 1xx, 204 and 304 never have a body (RFC 9112 section 6.3).
bool status_without_body(int status) { return status < 200 || status == 204 || status == 304; }

}  // namespace

std::optional<body_mode> write_response_head(std::string& out, const response& r,
                                             const reply_shape& shape) {
    for (const header_field& f : r.fields) {
        if (!valid_field(f.name, f.value) || framing_field(f.name)) return std::nullopt;
    }
    if (r.status < 100 || r.status > 999) return std::nullopt;

    body_mode mode = body_mode::length;
    if (status_without_body(r.status)) {
        mode = body_mode::none;
    } else if (r.stream) {
        mode = shape.version >= 11 ? body_mode::chunked : body_mode::until_close;
    }
    const bool close = shape.close || mode == body_mode::until_close;

    out += "HTTP/1.1 ";
    append_number(out, static_cast<std::uint64_t>(r.status));
    out += ' ';
    out += reason_phrase(r.status);
    out += "\r\nDate: ";
    out += http_date();
    out += "\r\n";
    for (const header_field& f : r.fields) {
        out += f.name;
        out += ": ";
        out += f.value;
        out += "\r\n";
    }
    if (mode == body_mode::length) {
        out += "Content-Length: ";
        append_number(out, r.body.size());
        out += "\r\n";
    } else if (mode == body_mode::chunked) {
        out += "Transfer-Encoding: chunked\r\n";
    }
    if (close) {
        out += "Connection: close\r\n";
    } else if (shape.version < 11) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    if (shape.head_only) return body_mode::none;
    return mode;
}

void write_error_response(std::string& out, int status) {
    const std::string_view reason = reason_phrase(status);
    out += "HTTP/1.1 ";
    append_number(out, static_cast<std::uint64_t>(status));
    out += ' ';
    out += reason;
    out += "\r\nDate: ";
    out += http_date();
    out += "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ";
    append_number(out, reason.size() + 1);
    out += "\r\nConnection: close\r\n\r\n";
    out += reason;
    out += '\n';
}

}  // namespace http
