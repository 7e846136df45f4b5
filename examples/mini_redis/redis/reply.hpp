// RESP2 replies, appended to the bytes a connection is about to write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "redis/numbers.hpp"

namespace redis::reply {

/// "+OK\r\n"
inline void simple(std::string& out, std::string_view text) {
    out += '+';
    out += text;
    out += "\r\n";
}

inline void ok(std::string& out) { out += "+OK\r\n"; }

/// An error: `message` is the text after the '-', with its code ("ERR syntax error").
inline void error(std::string& out, std::string_view message) {
    out += '-';
    out += message;
    out += "\r\n";
}

/// An error whose text is built from what a client sent: Redis turns CR and LF into
/// spaces so that the reply stays one line.
void error_from_input(std::string& out, std::string_view message);

inline void integer(std::string& out, std::int64_t value) {
    char digits[max_integer_digits];
    out += ':';
    out += format_integer(value, digits);
    out += "\r\n";
}

inline void bulk(std::string& out, std::string_view value) {
    char digits[max_integer_digits];
    out += '$';
    out += format_integer(static_cast<std::int64_t>(value.size()), digits);
    out += "\r\n";
    out += value;
    out += "\r\n";
}

/// The missing value of RESP2: "$-1\r\n".
inline void null(std::string& out) { out += "$-1\r\n"; }

inline void array(std::string& out, std::size_t count) {
    char digits[max_integer_digits];
    out += '*';
    out += format_integer(static_cast<std::int64_t>(count), digits);
    out += "\r\n";
}

}  // namespace redis::reply
