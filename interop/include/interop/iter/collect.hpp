/// \file
/// collect: drains a source into a std::vector.
///
///     std::vector<T> v = co_await (source | iter::collect());
///
/// The result is a task; nothing is pulled from the source before it is awaited.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"
#include "interop/task.hpp"

namespace interop::iter {

/// Drains `source` into a std::vector.
template <AsyncIterator I>
task<std::vector<iter_value_t<I>>> collect(I source) {
    std::vector<iter_value_t<I>> items;
    for (;;) {
        auto pending = source.next();
        std::optional<iter_value_t<I>> item = co_await std::move(pending);
        if (!item) break;
        items.push_back(std::move(*item));
        co_await detail::cooperate();
    }
    co_return std::move(items);
}

/// collect() without its source, for `source | iter::collect(...)`.
inline auto collect() {
    return adaptor{[]<AsyncIterator I>(I source) { return iter::collect(std::move(source)); }};
}

}  // namespace interop::iter
