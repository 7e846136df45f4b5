/// \file
/// take and take_while: a prefix of a source.
///
///     source | iter::take(n)          the first n items (fewer if the source ends)
///     source | iter::take_while(pred) the items before the first one failing pred
///
/// Neither pulls an item from the source beyond what it needs: take(n) stops after
/// the n-th without asking for an (n+1)-th, and take_while drops the first failing
/// item and stops. pred may be async (return a task of bool).
#pragma once

#include <concepts>
#include <cstddef>
#include <optional>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/async_invoke.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"

namespace interop::iter {

/// The first `count` items (fewer if the source ends).
template <AsyncIterator I>
generator<iter_value_t<I>> take(I source, std::size_t count) {
    for (std::size_t taken = 0; taken < count; ++taken) {
        auto pending = source.next();
        std::optional<iter_value_t<I>> item = co_await std::move(pending);
        if (!item) co_return;
        co_yield std::move(*item);
        co_await detail::cooperate();
    }
}

/// take() without its source, for `source | iter::take(...)`.
inline auto take(std::size_t count) {
    return adaptor{
        [count]<AsyncIterator I>(I source) { return iter::take(std::move(source), count); }};
}

/// The items before the first one failing `pred`.
template <AsyncIterator I, typename P>
    requires std::invocable < P&, const iter_value_t<I>
& > generator<iter_value_t<I>> take_while(I source, P pred) {
    for (;;) {
        auto pending = source.next();
        std::optional<iter_value_t<I>> item = co_await std::move(pending);
        if (!item) co_return;
        auto calling = detail::async_invoke(pred, std::as_const(*item));
        const bool keep = static_cast<bool>(co_await std::move(calling));
        if (!keep) co_return;
        co_yield std::move(*item);
        co_await detail::cooperate();
    }
}

/// take_while() without its source, for `source | iter::take_while(...)`.
template <typename P>
auto take_while(P pred) {
    return adaptor{[pred = std::move(pred)]<AsyncIterator I>(I source) mutable {
        return iter::take_while(std::move(source), std::move(pred));
    }};
}

}  // namespace interop::iter
