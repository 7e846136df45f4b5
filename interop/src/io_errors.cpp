#include "interop/io/errors.hpp"

#include <string>

namespace interop {

namespace {
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
    // Both codes mean "too big": they compare equal to std::errc::message_size.
    std::error_condition default_error_condition(int value) const noexcept override {
        switch (static_cast<io_errc>(value)) {
            case io_errc::line_too_long:
            case io_errc::frame_too_long:
                return std::errc::message_size;
        }
        return {value, *this};
    }
};
}  // namespace

const std::error_category& io_category() noexcept {
    static const io_error_category category;
    return category;
}

}  // namespace interop
