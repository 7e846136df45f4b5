/// \file
/// io_result<T>: the value of an I/O operation or the std::error_code it failed with.
///
/// Errors are values on I/O paths: cancellation arrives as errc::operation_canceled,
/// a timeout as errc::timed_out, and every adapter maps its native errors onto the
/// same std::errc values, so error handling written once is portable.
#pragma once

#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "interop/no_error.hpp"

namespace interop {

/// Thrown by io_result::value() when it holds an error.
class io_error : public std::system_error {
public:
    using std::system_error::system_error;
};

/// The value of an I/O operation or the std::error_code it failed with.
template <typename T>
class [[nodiscard]] io_result {
public:
    using value_type = T;

    io_result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)
        : state_(std::in_place_index<0>, std::move(value)) {}
    io_result(std::error_code ec) noexcept : state_(std::in_place_index<1>, ec) {}
    io_result(std::errc e) noexcept : io_result(std::make_error_code(e)) {}

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    std::error_code error() const noexcept { return has_value() ? no_error : std::get<1>(state_); }
    /// True when the operation failed with exactly this condition (answered without
    /// building a std::error_code for a value).
    bool is(std::errc e) const noexcept {
        return !has_value() && std::get<1>(state_) == std::make_error_code(e);
    }
    template <typename E>
        requires std::is_error_code_enum_v<E>
    bool is(E e) const noexcept {
        return !has_value() && std::get<1>(state_) == make_error_code(e);
    }

    T& value() & {
        check();
        return std::get<0>(state_);
    }
    const T& value() const& {
        check();
        return std::get<0>(state_);
    }
    T&& value() && {
        check();
        return std::get<0>(std::move(state_));
    }

    T& operator*() & noexcept { return std::get<0>(state_); }
    const T& operator*() const& noexcept { return std::get<0>(state_); }
    T&& operator*() && noexcept { return std::get<0>(std::move(state_)); }
    T* operator->() noexcept { return &std::get<0>(state_); }
    const T* operator->() const noexcept { return &std::get<0>(state_); }

    template <typename U>
    T value_or(U&& fallback) const& {
        return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
    }

private:
    void check() const {
        if (!has_value()) throw io_error(std::get<1>(state_));
    }
    std::variant<T, std::error_code> state_;
};

/// The outcome of an I/O operation without a value: success or an error code.
template <>
class [[nodiscard]] io_result<void> {
public:
    using value_type = void;

    io_result() noexcept = default;
    io_result(std::error_code ec) noexcept : error_(ec) {}
    io_result(std::errc e) noexcept : error_(std::make_error_code(e)) {}

    bool has_value() const noexcept { return !error_; }
    explicit operator bool() const noexcept { return has_value(); }
    std::error_code error() const noexcept { return error_; }
    bool is(std::errc e) const noexcept { return error_ == std::make_error_code(e); }
    template <typename E>
        requires std::is_error_code_enum_v<E>
    bool is(E e) const noexcept { return error_ == make_error_code(e); }
    void value() const {
        if (error_) throw io_error(error_);
    }

private:
    std::error_code error_;
};

/// `io_result<T>`, except that `io_result<U>` stays `io_result<U>`: the result of an
/// operation that adds an error of its own (timed_out, operation_canceled) to a value
/// that may already be an io_result, so that errors never nest.
template <typename T>
struct flat_io_result {
    using type = io_result<T>;
};
template <typename U>
struct flat_io_result<io_result<U>> {
    using type = io_result<U>;
};
template <typename T>
using flat_io_result_t = typename flat_io_result<T>::type;

}  // namespace interop
