// An awaitable whose result is decided before it starts: a stream or listener
// operation refused for bad input or a closed socket, or one that completes at once.
#pragma once

#include <coroutine>
#include <utility>

#include "interop/io_result.hpp"

namespace interop::detail {

// An operation that is already decided before it starts (bad input, closed stream).
template <typename T>
struct ready_result {
    io_result<T> value;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    io_result<T> await_resume() noexcept { return std::move(value); }
};

}  // namespace interop::detail
