// stored_t<T>: how the machinery keeps a task's value. A task<void> has none, and
// std::optional and std::variant cannot hold void, so it is kept as std::monostate.
#pragma once

#include <type_traits>
#include <variant>

namespace interop::detail {

template <typename T>
using stored_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

}  // namespace interop::detail
