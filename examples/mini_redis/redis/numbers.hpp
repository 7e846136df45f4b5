// Integers as Redis reads and writes them.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace redis {

/// The integer `text` spells, read as strictly as Redis reads it: an optional '-',
/// then decimal digits without leading zeros ("0" alone is fine), nothing else, and
/// within the range of a 64-bit signed integer. "+1", " 1", "01" and "-0" are not
/// integers.
inline std::optional<std::int64_t> parse_integer(std::string_view text) noexcept {
    if (text.empty() || text.size() > 20) return std::nullopt;
    if (text == "0") return 0;
    const bool negative = text.front() == '-';
    std::string_view digits = negative ? text.substr(1) : text;
    if (digits.empty() || digits.front() < '1' || digits.front() > '9') return std::nullopt;
    std::uint64_t magnitude = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (magnitude > (UINT64_MAX - digit) / 10) return std::nullopt;
        magnitude = magnitude * 10 + digit;
    }
    constexpr std::uint64_t max_positive = INT64_MAX;
    if (negative) {
        if (magnitude > max_positive + 1) return std::nullopt;
        return static_cast<std::int64_t>(0 - magnitude);
    }
    if (magnitude > max_positive) return std::nullopt;
    return static_cast<std::int64_t>(magnitude);
}

/// Room for any 64-bit integer in decimal, with its sign.
inline constexpr std::size_t max_integer_digits = 21;

/// Writes `value` in decimal into `buffer`; returns the text.
inline std::string_view format_integer(std::int64_t value,
                                       char (&buffer)[max_integer_digits]) noexcept {
    const auto end = std::to_chars(buffer, buffer + max_integer_digits, value).ptr;
    return {buffer, static_cast<std::size_t>(end - buffer)};
}

}  // namespace redis
