// An awaitable whose result is known before it is awaited (a precondition failed,
// or the operation is synchronous but offered in awaitable form, like close()).
#pragma once

#include <coroutine>
#include <utility>

#include "interop/io_result.hpp"

namespace interop::detail {

template <typename T>
struct [[nodiscard]] ready {
    io_result<T> value;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    io_result<T> await_resume() noexcept { return std::move(value); }
};

}  // namespace interop::detail
