/// \file
/// zip: items of two sources, in pairs.
///
///     iter::zip(std::move(a), std::move(b))     a | iter::zip(std::move(b))
///
/// Yields std::pair<A, B> until either source ends. For each pair, a is asked first,
/// then b; when a ends, b is not asked again, and when b ends, the item already
/// taken from a is dropped.
#pragma once

#include <optional>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"

namespace interop::iter {

/// Items of two sources, in pairs.
template <AsyncIterator I, AsyncIterator J>
generator<std::pair<iter_value_t<I>, iter_value_t<J>>> zip(I first, J second) {
    for (;;) {
        auto pending_first = first.next();
        std::optional<iter_value_t<I>> a = co_await std::move(pending_first);
        if (!a) co_return;
        auto pending_second = second.next();
        std::optional<iter_value_t<J>> b = co_await std::move(pending_second);
        if (!b) co_return;
        std::pair<iter_value_t<I>, iter_value_t<J>> both(std::move(*a), std::move(*b));
        co_yield std::move(both);
        co_await detail::cooperate();
    }
}

/// Pipe form: with one iterator, zip pairs the piped source with it.
template <AsyncIterator J>
auto zip(J second) {
    return adaptor{[second = std::move(second)]<AsyncIterator I>(I first) mutable {
        return iter::zip(std::move(first), std::move(second));
    }};
}

}  // namespace interop::iter
