// redis::result<T>: a typed command's answer, or why there is none, with the text of
// the server's error reply when the server refused the command.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

#include "redis/errors.hpp"
#include "redis/value.hpp"

namespace redis {

/// A failure: its code, and for errc::server_error the server's text
/// ("ERR value is not an integer or out of range").
struct failure {
    std::error_code code;
    std::string text;
};

/// A T, or a failure. Converts from io_result errors and from error replies.
template <typename T>
class result {
public:
    result(T v) : state_(std::in_place_index<0>, std::move(v)) {}
    result(std::error_code ec) : state_(std::in_place_index<1>, failure{ec, ec.message()}) {}
    result(std::errc e) : result(std::make_error_code(e)) {}
    result(errc e) : result(make_error_code(e)) {}
    result(const error_reply& e)
        : state_(std::in_place_index<1>, failure{make_error_code(errc::server_error), e.text}) {}

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& operator*() & { return std::get<0>(state_); }
    const T& operator*() const& { return std::get<0>(state_); }
    T* operator->() { return &std::get<0>(state_); }
    const T* operator->() const { return &std::get<0>(state_); }
    /// The value; std::system_error with the failure's text when there is none.
    T& value() & {
        if (!has_value()) throw std::system_error(error(), error_text());
        return std::get<0>(state_);
    }

    /// The error code: errc::server_error for an error reply, an I/O error, ...; an
    /// empty code when there is a value.
    std::error_code error() const noexcept {
        return has_value() ? std::error_code{} : std::get<1>(state_).code;
    }
    /// The server's error text for errc::server_error, the code's message otherwise.
    const std::string& error_text() const noexcept {
        static const std::string none;
        return has_value() ? none : std::get<1>(state_).text;
    }

private:
    std::variant<T, failure> state_;
};

}  // namespace redis
