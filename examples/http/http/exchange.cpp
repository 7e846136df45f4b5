#include "http/exchange.hpp"

#include <utility>

namespace http {

std::string_view request::path() const noexcept {
    const std::string_view t = head.target;
    return t.substr(0, t.find('?'));
}

std::string_view request::query() const noexcept {
    const std::string_view t = head.target;
    const std::size_t mark = t.find('?');
    return mark == std::string_view::npos ? std::string_view{} : t.substr(mark + 1);
}

response response::text(int status, std::string body, std::string_view content_type) {
    response r;
    r.status = status;
    r.fields.add("Content-Type", std::string(content_type));
    r.body = std::move(body);
    return r;
}

}  // namespace http
