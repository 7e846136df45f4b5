/// \file
/// Calling a combinator's callable, which may be plain or async.
///
/// A callable given to a combinator may return a value or a `task<U>` (an async
/// closure). async_invoke(f, args...) calls it and returns something to co_await
/// either way: the task itself, or a ready awaitable holding the plain result. The
/// combinators then write one `co_await async_invoke(...)` and work with both.
///
/// Only interop::task results are awaited. A callable that returns some other
/// awaitable (a generator's next(), say) produces that object as a value, which
/// keeps the meaning of map(f) independent of what f's result happens to model.
#pragma once

#include <coroutine>
#include <functional>
#include <type_traits>
#include <utility>

#include "interop/task.hpp"

namespace interop::iter::detail {

template <typename R>
inline constexpr bool is_task_v = false;
template <typename U>
inline constexpr bool is_task_v<task<U>> = true;

/// A result computed before the await; awaiting it never suspends.
template <typename T>
struct ready {
    T value;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    T await_resume() { return std::move(value); }
};

template <>
struct ready<void> {
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
};

template <typename R>
struct unwrap_task {
    using type = std::decay_t<R>;
};
template <typename U>
struct unwrap_task<task<U>> {
    using type = U;
};

/// What `co_await async_invoke(f, args...)` produces: U for a `task<U>`, otherwise the
/// decayed result of the call.
template <typename F, typename... Args>
using async_result_t = typename unwrap_task<std::invoke_result_t<F&, Args...>>::type;

template <typename F, typename... Args>
    requires std::invocable<F&, Args...>
auto async_invoke(F& fn, Args&&... args) {
    using R = std::invoke_result_t<F&, Args...>;
    if constexpr (is_task_v<R>) {
        return std::invoke(fn, std::forward<Args>(args)...);
    } else if constexpr (std::is_void_v<R>) {
        std::invoke(fn, std::forward<Args>(args)...);
        return ready<void>{};
    } else {
        return ready<std::decay_t<R>>{std::invoke(fn, std::forward<Args>(args)...)};
    }
}

}  // namespace interop::iter::detail
