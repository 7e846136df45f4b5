/// \file
/// Error codes of the byte-stream helpers, in their own category ("interop.io").
///
/// Both codes mean "a unit of the protocol is longer than the limit the reader was
/// given": the reader refused to buffer it instead of growing without bound. They
/// compare equal to the portable condition std::errc::message_size, so code that
/// only cares about "too big" can test `ec == std::errc::message_size`.
///
/// End of stream inside a unit (read_exact, a frame) is not in this category: it is
/// std::errc::no_message_available everywhere, as read_exact has always reported it.
#pragma once

#include <system_error>

namespace interop {

/// Errors of the byte-stream helpers, in the category io_category().
enum class io_errc {
    line_too_long = 1,  ///< no delimiter within the line limit (read_until, lines())
    frame_too_long,     ///< a frame's length is above the frame limit (framed)
};

/// The category of io_errc, one object for the whole program (src/io_errors.cpp).
const std::error_category& io_category() noexcept;

inline std::error_code make_error_code(io_errc e) noexcept {
    return {static_cast<int>(e), io_category()};
}

}  // namespace interop

template <>
struct std::is_error_code_enum<interop::io_errc> : std::true_type {};
