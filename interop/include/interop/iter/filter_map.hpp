/// \file
/// filter_map: transform and filter in one step.
///
///     source | iter::filter_map(f)   f(item) -> std::optional<U> (or a task of one)
///
/// Yields the value of every engaged result and skips the empty ones: parse what
/// parses, look up what is found.
#pragma once

#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/async_invoke.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"

namespace interop::iter {

namespace detail {
template <typename O>
inline constexpr bool is_optional_v = false;
template <typename U>
inline constexpr bool is_optional_v<std::optional<U>> = true;
}  // namespace detail

/// Transforms and filters in one step: the value of every engaged result of `fn`.
template <AsyncIterator I, typename F>
    requires std::invocable<F&, iter_value_t<I> &&>&&
        detail::is_optional_v<detail::async_result_t<F, iter_value_t<I>&&>>
            generator<typename detail::async_result_t<F, iter_value_t<I>&&>::value_type> filter_map(
                I source, F fn) {
        for (;;) {
            auto pending = source.next();
            std::optional<iter_value_t<I>> item = co_await std::move(pending);
            if (!item) co_return;
            auto calling = detail::async_invoke(fn, std::move(*item));
            auto mapped = co_await std::move(calling);
            if (mapped) co_yield std::move(*mapped);
            co_await detail::cooperate();
        }
    }

    template <typename F>
    auto filter_map(F fn) {
        return adaptor{[fn = std::move(fn)]<AsyncIterator I>(I source) mutable {
            return iter::filter_map(std::move(source), std::move(fn));
        }};
    }

}  // namespace interop::iter
