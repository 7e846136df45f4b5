/// \file
/// Error codes of channels, in their own category ("interop.channel").
#pragma once

#include <optional>
#include <system_error>
#include <utility>

namespace interop {

/// Errors of channels, in the category channel_category().
enum class channel_errc {
    closed = 1,  ///< the other side is gone or the channel was closed
    lagged,      ///< a broadcast receiver fell behind and items were skipped
};

/// The category of channel_errc ("interop.channel").
const std::error_category& channel_category() noexcept;

inline std::error_code make_error_code(channel_errc e) noexcept {
    return {static_cast<int>(e), channel_category()};
}

/// What a failed send hands back: the error and the value that was not delivered.
template <typename T>
class [[nodiscard]] send_result {
public:
    send_result() noexcept = default;
    send_result(std::error_code ec, T value) : error_(ec), value_(std::move(value)) {}

    bool has_value() const noexcept { return !error_; }  // true: delivered
    explicit operator bool() const noexcept { return has_value(); }
    std::error_code error() const noexcept { return error_; }
    bool is(channel_errc e) const noexcept { return error_ == make_error_code(e); }
    bool is(std::errc e) const noexcept { return error_ == std::make_error_code(e); }
    /// The value that was not sent (only after a failure).
    T take_value() { return std::move(*value_); }

private:
    std::error_code error_{};
    std::optional<T> value_;
};

}  // namespace interop

template <>
struct std::is_error_code_enum<interop::channel_errc> : std::true_type {};
