#include "redis/value.hpp"

namespace redis {

std::string_view value::text() const noexcept {
    if (const auto* s = std::get_if<simple_string>(&v_)) return s->text;
    if (const auto* e = std::get_if<error_reply>(&v_)) return e->text;
    if (const auto* b = std::get_if<std::string>(&v_)) return *b;
    return {};
}

std::optional<std::int64_t> value::integer() const noexcept {
    if (const auto* i = std::get_if<std::int64_t>(&v_)) return *i;
    return std::nullopt;
}

const value::array& value::elements() const noexcept {
    static const array none;
    if (const auto* a = std::get_if<array>(&v_)) return *a;
    return none;
}

value::array& value::elements() noexcept {
    if (!is_array()) v_ = array{};
    return std::get<array>(v_);
}

}  // namespace redis
