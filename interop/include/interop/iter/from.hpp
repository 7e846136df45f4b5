/// \file
/// from: an AsyncIterator over the elements of an ordinary range.
///
///     iter::from(std::vector{1, 2, 3})          owns the vector, yields 1, 2, 3
///     iter::from(std::views::iota(0, n))        0 .. n-1, computed as pulled
///     iter::from(std::span(v))                   borrows v, which must outlive it
///
/// Like tokio's `stream::iter`: the start of a pipeline whose items are already at
/// hand. The range is moved into the generator's frame, so a temporary lives as
/// long as the iteration. Elements of a range it owns (a container) are moved out;
/// those of a borrowed range (a span, `views::all(v)`) are copied, leaving `v` intact. Every item
/// spends the cooperative budget, so an endless range in a pipeline still lets the runtime's other
/// tasks run.
#pragma once

#include <concepts>
#include <ranges>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/detail/cooperate.hpp"

namespace interop::iter {

/// The elements of `range`, in order, as an AsyncIterator.
template <std::ranges::input_range R>
    requires std::movable<R> generator<std::ranges::range_value_t<R>> from(R range) {
        using value = std::ranges::range_value_t<R>;
        for (auto it = std::ranges::begin(range); it != std::ranges::end(range); ++it) {
            if constexpr (std::ranges::borrowed_range<R>) {
                co_yield value(*it);
            } else {
                co_yield value(std::ranges::iter_move(it));
            }
            co_await detail::cooperate();
        }
    }

}  // namespace interop::iter
