// How a wrapper (buffered_reader, buffered_writer, framed) holds the stream it
// wraps: by value when given an rvalue (it owns the stream), by pointer when given
// an lvalue (it borrows it, and the caller keeps the stream alive). A pointer rather
// than a reference member keeps the wrapper movable and assignable.
#pragma once

#include <memory>
#include <utility>

namespace interop::detail {

template <typename S>
class held {
public:
    explicit held(S value) noexcept(std::is_nothrow_move_constructible_v<S>)
        : value_(std::move(value)) {}
    S& get() noexcept { return value_; }
    const S& get() const noexcept { return value_; }

private:
    S value_;
};

template <typename S>
class held<S&> {
public:
    explicit held(S& value) noexcept : ptr_(std::addressof(value)) {}
    S& get() const noexcept { return *ptr_; }

private:
    S* ptr_;
};

}  // namespace interop::detail
