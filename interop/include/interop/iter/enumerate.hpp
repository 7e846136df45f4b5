/// \file
/// enumerate: each item of a source paired with its zero-based position.
///
///     source | iter::enumerate()   yields std::pair<std::size_t, T>
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"

namespace interop::iter {

/// Each item of `source` paired with its zero-based position.
template <AsyncIterator I>
generator<std::pair<std::size_t, iter_value_t<I>>> enumerate(I source) {
    for (std::size_t index = 0;; ++index) {
        auto pending = source.next();
        std::optional<iter_value_t<I>> item = co_await std::move(pending);
        if (!item) co_return;
        std::pair<std::size_t, iter_value_t<I>> numbered(index, std::move(*item));
        co_yield std::move(numbered);
        co_await detail::cooperate();
    }
}

/// enumerate() without its source, for `source | iter::enumerate(...)`.
inline auto enumerate() {
    return adaptor{[]<AsyncIterator I>(I source) { return iter::enumerate(std::move(source)); }};
}

}  // namespace interop::iter
