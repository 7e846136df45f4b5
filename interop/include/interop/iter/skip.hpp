/// \file
/// skip: everything but the first n items.
///
///     source | iter::skip(2)     a b c d  ->  c d
///
/// The first n items are pulled (and dropped) by the first next().
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"

namespace interop::iter {

/// Everything but the first `count` items.
template <AsyncIterator I>
generator<iter_value_t<I>> skip(I source, std::size_t count) {
    for (std::size_t seen = 0;; ++seen) {
        auto pending = source.next();
        std::optional<iter_value_t<I>> item = co_await std::move(pending);
        if (!item) co_return;
        if (seen >= count) co_yield std::move(*item);
        co_await detail::cooperate();
    }
}

/// skip() without its source, for `source | iter::skip(...)`.
inline auto skip(std::size_t count) {
    return adaptor{
        [count]<AsyncIterator I>(I source) { return iter::skip(std::move(source), count); }};
}

}  // namespace interop::iter
