#include "http/exchange.hpp"

#include <utility>

namespace http {

namespace {

// The target without the scheme and authority of its absolute form
// ("http://host/p?q" is "/p?q"), which a server must accept (RFC 9112 section 3.2.2).
std::string_view origin_form(std::string_view t) noexcept {
    if (!t.empty() && t[0] == '/') return t;  // the usual form, at once
    for (const std::string_view scheme : {"http://", "https://"}) {
        if (t.size() > scheme.size() && equals_ignore_case(t.substr(0, scheme.size()), scheme)) {
            const std::size_t slash = t.find_first_of("/?", scheme.size());
            if (slash == std::string_view::npos) return "/";
            return t.substr(slash);
        }
    }
    return t;
}

}  // namespace

std::string_view request::path() const noexcept {
    const std::string_view t = origin_form(head.target);
    if (!t.empty() && t[0] == '?') return "/";
    return t.substr(0, t.find('?'));
}

std::string_view request::query() const noexcept {
    const std::string_view t = origin_form(head.target);
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
