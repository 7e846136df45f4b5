// Turns "a callable returning a task" plus its arguments into one task whose frame
// owns the callable and the arguments: a lambda's captures then live exactly as
// long as the work that uses them.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "interop/task.hpp"
#include "interop/this_task.hpp"

namespace interop::detail {

// The frame invokes the callable once, so the arguments are handed over as
// rvalues (move-only arguments such as a channel end work).
// For task dumps, the task is the callable's coroutine: invoke_task records none of its
// own (invoke_tag), and notes the callable's once it has called it.
template <typename F, typename... Args>
auto invoke_task_frame(invoke_tag, F fn, Args... args) -> std::invoke_result_t<F&&, Args&&...> {
    auto inner = std::invoke(std::move(fn), std::move(args)...);
    task_context* ctx = co_await current_context();
    if (ctx != nullptr && ctx->task != nullptr) {
        note_coroutine(*ctx->task, where_of(inner));
    }
    co_return co_await std::move(inner);
}

template <typename F, typename... Args>
auto invoke_task(F&& fn, Args&&... args) {
    return invoke_task_frame(invoke_tag{}, std::forward<F>(fn), std::forward<Args>(args)...);
}

}  // namespace interop::detail
