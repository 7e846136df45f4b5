// Asio's error codes, mapped to the std::errc values every interop adapter reports.
#pragma once

#include <system_error>

namespace interop::asio_detail {

// Any error Asio reports from a socket, timer or signal call, as an error in the
// generic category: operation_aborted becomes operation_canceled, connection_refused,
// connection_reset, broken_pipe, address_in_use, timed_out keep their meaning,
// bad_descriptor becomes bad_file_descriptor. End of stream is not an error and never
// reaches this function (a read reports it as 0 bytes).
std::error_code to_interop_error(const std::error_code& ec) noexcept;

// The same for a failed name lookup, as the contract maps it on every backend: a
// name that does not resolve is host_unreachable, a temporary failure of the name
// service is resource_unavailable_try_again, a malformed request is
// invalid_argument, anything else io_error.
std::error_code to_interop_resolve_error(const std::error_code& ec) noexcept;

inline std::error_code canceled() noexcept {
    return std::make_error_code(std::errc::operation_canceled);
}

// A null socket handle, or one of the wrong kind for the call.
inline std::error_code bad_handle() noexcept {
    return std::make_error_code(std::errc::bad_file_descriptor);
}

// What one operation needed could not be allocated: that operation alone fails
// (docs/semantics.md).
inline std::error_code out_of_memory() noexcept {
    return std::make_error_code(std::errc::not_enough_memory);
}

}  // namespace interop::asio_detail
