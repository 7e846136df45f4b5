// The errors of the Redis client, as std::error_code values of redis::category().
#pragma once

#include <string>
#include <system_error>
#include <type_traits>

namespace redis {

enum class errc {
    server_error = 1,   // the server answered with an error reply: its text is kept
    protocol_error,     // the server's bytes are not RESP2: the connection is dropped
    unexpected_reply,   // a reply of another type than the command has
    connection_closed,  // the server closed the connection
    not_subscribed,     // a subscription was asked for no channel
};

const std::error_category& category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), category()};
}

}  // namespace redis

template <>
struct std::is_error_code_enum<redis::errc> : std::true_type {};
