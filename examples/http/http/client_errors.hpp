// The errors of an HTTP client connection, besides its stream's own.
#pragma once

#include <system_error>
#include <type_traits>

namespace http {

enum class client_errc {
    malformed_response = 1,  // the server's answer broke HTTP/1.1's rules
    closed = 2,              // the server closed the connection: open a new one
};

const std::error_category& client_category() noexcept;

inline std::error_code make_error_code(client_errc e) noexcept {
    return {static_cast<int>(e), client_category()};
}

}  // namespace http

template <>
struct std::is_error_code_enum<http::client_errc> : std::true_type {};
