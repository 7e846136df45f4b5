#include "http/message.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace http {

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

headers::headers(std::vector<header_field> fields) : fields_(std::move(fields)) {
    for (const header_field& field : fields_) framing_fields_ |= framing_bit(field.name);
}

const std::string* headers::find(std::string_view name) const {
    for (const header_field& field : fields_) {
        if (equals_ignore_case(field.name, name)) return &field.value;
    }
    return nullptr;
}

std::size_t headers::count(std::string_view name) const {
    return static_cast<std::size_t>(std::count_if(
        fields_.begin(), fields_.end(),
        [name](const header_field& field) { return equals_ignore_case(field.name, name); }));
}

std::vector<std::string_view> headers::all(std::string_view name) const {
    std::vector<std::string_view> values;
    for (const header_field& field : fields_) {
        if (equals_ignore_case(field.name, name)) values.emplace_back(field.value);
    }
    return values;
}

void headers::add(std::string name, std::string value) {
    framing_fields_ |= framing_bit(name);
    fields_.push_back(header_field{std::move(name), std::move(value)});
}

void headers::set(std::string_view name, std::string value) {
    framing_fields_ |= framing_bit(name);
    auto first = std::find_if(fields_.begin(), fields_.end(), [name](const header_field& field) {
        return equals_ignore_case(field.name, name);
    });
    if (first == fields_.end()) {
        add(std::string(name), std::move(value));
        return;
    }
    first->value = std::move(value);
    fields_.erase(std::remove_if(std::next(first), fields_.end(),
                                 [name](const header_field& field) {
                                     return equals_ignore_case(field.name, name);
                                 }),
                  fields_.end());
}

std::size_t headers::erase(std::string_view name) {
    framing_fields_ &= static_cast<std::uint8_t>(~framing_bit(name));
    const std::size_t before = fields_.size();
    std::erase_if(fields_, [name](const header_field& field) {
        return equals_ignore_case(field.name, name);
    });
    return before - fields_.size();
}

bool has_token(const headers& fields, std::string_view name, std::string_view token) {
    for (const header_field& field : fields) {
        if (!equals_ignore_case(field.name, name)) continue;
        std::string_view list = field.value;
        while (!list.empty()) {
            const std::size_t comma = list.find(',');
            if (equals_ignore_case(trim(list.substr(0, comma)), token)) return true;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return false;
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 101:
            return "Switching Protocols";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 206:
            return "Partial Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 411:
            return "Length Required";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Range Not Satisfiable";
        case 417:
            return "Expectation Failed";
        case 426:
            return "Upgrade Required";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "";
    }
}

}  // namespace http
