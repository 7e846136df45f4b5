/// \file
/// chain: the items of one source, then those of another.
///
///     iter::chain(std::move(a), std::move(b))     a | iter::chain(std::move(b))
///
/// Both sources have the same value type. The second one is not touched before the
/// first has ended.
#pragma once

#include <concepts>
#include <optional>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"

namespace interop::iter {

/// The items of `first`, then those of `second`.
template <AsyncIterator I, AsyncIterator J>
    requires std::same_as<iter_value_t<I>, iter_value_t<J>> generator<iter_value_t<I>> chain(
        I first, J second) {
        for (;;) {
            auto pending = first.next();
            std::optional<iter_value_t<I>> item = co_await std::move(pending);
            if (!item) break;
            co_yield std::move(*item);
            co_await detail::cooperate();
        }
        for (;;) {
            auto pending = second.next();
            std::optional<iter_value_t<J>> item = co_await std::move(pending);
            if (!item) co_return;
            co_yield std::move(*item);
            co_await detail::cooperate();
        }
    }

/// Pipe form: with one iterator, chain appends it to the piped source.
template <AsyncIterator J>
auto chain(J second) {
    return adaptor{[second = std::move(second)]<AsyncIterator I>(
        I first) mutable requires std::same_as<iter_value_t<I>, iter_value_t<J>>{
        return iter::chain(std::move(first), std::move(second));
}
};  // namespace interop::iter
}

}  // namespace interop::iter
