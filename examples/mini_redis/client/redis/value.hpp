// A RESP2 reply as a value: what a Redis server answers to one command.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace redis {

/// A null bulk string or a null array ("$-1" or "*-1").
struct nil {
    friend bool operator==(nil, nil) noexcept { return true; }
};

/// A status reply: "+OK".
struct simple_string {
    std::string text;
    friend bool operator==(const simple_string&, const simple_string&) = default;
};

/// An error reply: "-ERR unknown command". The text keeps its error prefix.
struct error_reply {
    std::string text;
    friend bool operator==(const error_reply&, const error_reply&) = default;
};

/// One reply of any RESP2 type; an array holds further values.
class value {
public:
    using array = std::vector<value>;
    using variant = std::variant<nil, simple_string, error_reply, std::int64_t, std::string, array>;

    value() = default;
    value(nil n) : v_(n) {}
    value(simple_string s) : v_(std::move(s)) {}
    value(error_reply e) : v_(std::move(e)) {}
    value(std::int64_t i) : v_(i) {}
    value(std::string bulk) : v_(std::move(bulk)) {}
    value(array elements) : v_(std::move(elements)) {}

    bool is_nil() const noexcept { return std::holds_alternative<nil>(v_); }
    bool is_simple() const noexcept { return std::holds_alternative<simple_string>(v_); }
    bool is_error() const noexcept { return std::holds_alternative<error_reply>(v_); }
    bool is_integer() const noexcept { return std::holds_alternative<std::int64_t>(v_); }
    bool is_bulk() const noexcept { return std::holds_alternative<std::string>(v_); }
    bool is_array() const noexcept { return std::holds_alternative<array>(v_); }

    /// The text of a simple string, an error or a bulk string; empty otherwise.
    std::string_view text() const noexcept;
    /// The integer of an integer reply.
    std::optional<std::int64_t> integer() const noexcept;
    /// The elements of an array; empty otherwise.
    const array& elements() const noexcept;
    array& elements() noexcept;

    const variant& get() const noexcept { return v_; }
    variant& get() noexcept { return v_; }

    friend bool operator==(const value&, const value&) = default;

private:
    variant v_;
};

}  // namespace redis
