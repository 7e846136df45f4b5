// Error codes of the byte-stream helpers, in their own category ("interop.io").
//
// Both codes mean "a unit of the protocol is longer than the limit the reader was
// given": the reader refused to buffer it instead of growing without bound. They
// compare equal to the portable condition std::errc::message_size, so code that
// only cares about "too big" can test `ec == std::errc::message_size`.
//
// End of stream inside a unit (read_exact, a frame) is not in this category: it is
// std::errc::no_message_available everywhere, as read_exact has always reported it.
#pragma once

#include <string>
#include <system_error>

namespace interop {

enum class io_errc {
    line_too_long = 1,  // no delimiter within the line limit (read_until, lines())
    frame_too_long,     // a frame's length is above the frame limit (framed)
};

namespace io_detail {
class io_error_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "interop.io"; }
    std::string message(int value) const override {
        switch (static_cast<io_errc>(value)) {
            case io_errc::line_too_long:
                return "no delimiter within the maximum line length";
            case io_errc::frame_too_long:
                return "the frame is longer than the maximum frame length";
        }
        return "unknown interop.io error";
    }
    std::error_condition default_error_condition(int value) const noexcept override {
        switch (static_cast<io_errc>(value)) {
            case io_errc::line_too_long:
            case io_errc::frame_too_long:
                return std::errc::message_size;
        }
        return {value, *this};
    }
};
}  // namespace io_detail

// One object for the whole program: an inline function's static is shared by every
// translation unit, which is what error_code comparison (by category address) needs.
inline const std::error_category& io_category() noexcept {
    static const io_detail::io_error_category category;
    return category;
}

inline std::error_code make_error_code(io_errc e) noexcept {
    return {static_cast<int>(e), io_category()};
}

}  // namespace interop

template <>
struct std::is_error_code_enum<interop::io_errc> : std::true_type {};
