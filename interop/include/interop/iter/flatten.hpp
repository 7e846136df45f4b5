/// \file
/// flatten: the items of the items.
///
///     iterator_of_iterators | iter::flatten()    each inner iterator drained in turn
///     iterator_of_vectors   | iter::flatten()    each inner range's elements in turn
///
/// An inner item may be an async iterator or any range (a std::vector from
/// iter::chunks, say). Each inner one is finished before the next is pulled from
/// the source; its elements are moved out (flatten owns the inner items).
#pragma once

#include <iterator>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"

namespace interop::iter {

namespace detail {
template <typename Inner>
struct inner_value {
    using type = std::ranges::range_value_t<Inner>;
};
template <AsyncIterator Inner>
struct inner_value<Inner> {
    using type = iter_value_t<Inner>;
};

template <typename Inner>
concept flattenable = AsyncIterator<Inner> || std::ranges::input_range<Inner>;
}  // namespace detail

/// The items of the items: each inner iterator drained in turn.
template <AsyncIterator I>
    requires detail::flattenable<iter_value_t<I>>
        generator<typename detail::inner_value<iter_value_t<I>>::type> flatten(I source) {
        using Inner = iter_value_t<I>;
        for (;;) {
            auto pending = source.next();
            std::optional<Inner> inner = co_await std::move(pending);
            if (!inner) co_return;
            if constexpr (AsyncIterator<Inner>) {
                for (;;) {
                    auto pending_inner = inner->next();
                    auto item = co_await std::move(pending_inner);
                    if (!item) break;
                    co_yield std::move(*item);
                    co_await detail::cooperate();
                }
            } else {
                for (auto&& element : *inner) {
                    typename detail::inner_value<Inner>::type value(std::move(element));
                    co_yield std::move(value);
                    co_await detail::cooperate();
                }
            }
        }
    }

/// flatten() without its source, for `source | iter::flatten(...)`.
inline auto flatten() {
    return adaptor{[]<AsyncIterator I>(I source) { return iter::flatten(std::move(source)); }};
}

}  // namespace interop::iter
