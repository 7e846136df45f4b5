#include "http/serialize.hpp"

#include <array>
#include <charconv>

namespace http {

namespace {

std::string_view version_text(int version) { return version == 10 ? "HTTP/1.0" : "HTTP/1.1"; }

void write_fields(std::string& out, const headers& fields) {
    for (const header_field& field : fields) {
        out.append(field.name).append(": ").append(field.value).append("\r\n");
    }
    out.append("\r\n");
}

}  // namespace

bool valid_field(std::string_view name, std::string_view value) {
    return is_token(name) && is_field_value(value);
}

bool valid_request_line(std::string_view method, std::string_view target) {
    return is_token(method) && !target.empty() && detail::all_in_class(target, detail::target_byte);
}

void write_head(std::string& out, const response_head& head) {
    std::array<char, 16> status{};
    const auto [end, error] =
        std::to_chars(status.data(), status.data() + status.size(), head.status);
    (void)error;  // an int fits in 16 characters
    const std::string_view reason = head.reason.empty() ? reason_phrase(head.status) : head.reason;
    out.append(version_text(head.version)).append(" ").append(status.data(), end);
    out.append(" ").append(reason).append("\r\n");
    write_fields(out, head.fields);
}

void write_head(std::string& out, const request_head& head) {
    out.append(head.method).append(" ").append(head.target).append(" ");
    out.append(version_text(head.version)).append("\r\n");
    write_fields(out, head.fields);
}

}  // namespace http
