// Turns "a callable returning a task" plus its arguments into one task whose frame
// owns the callable and the arguments: a lambda's captures then live exactly as
// long as the work that uses them.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include "interop/task.hpp"

namespace interop::detail {

// The frame invokes the callable once, so the arguments are handed over as
// rvalues (move-only arguments such as a channel end work).
template <typename F, typename... Args>
auto invoke_task(F fn, Args... args) -> std::invoke_result_t<F&&, Args&&...> {
    co_return co_await std::invoke(std::move(fn), std::move(args)...);
}

}  // namespace interop::detail
