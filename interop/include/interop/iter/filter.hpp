/// \file
/// filter: the items of a source for which a predicate holds.
///
///     source | iter::filter(pred)  iter::filter(std::move(source), pred)
///
/// pred sees each item as a const lvalue and returns something convertible to
/// bool, or a task of it.
#pragma once

#include <concepts>
#include <optional>
#include <utility>

#include "interop/generator.hpp"
#include "interop/iter/async_invoke.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"

namespace interop::iter {

/// The items of `source` for which `pred` holds.
template <AsyncIterator I, typename P>
    requires std::invocable < P&, const iter_value_t<I>
& > generator<iter_value_t<I>> filter(I source, P pred) {
    for (;;) {
        auto pending = source.next();
        std::optional<iter_value_t<I>> item = co_await std::move(pending);
        if (!item) co_return;
        auto calling = detail::async_invoke(pred, std::as_const(*item));
        const bool keep = static_cast<bool>(co_await std::move(calling));
        if (keep) co_yield std::move(*item);
        co_await detail::cooperate();
    }
}

/// filter() without its source, for `source | iter::filter(...)`.
template <typename P>
auto filter(P pred) {
    return adaptor{[pred = std::move(pred)]<AsyncIterator I>(I source) mutable {
        return iter::filter(std::move(source), std::move(pred));
    }};
}

}  // namespace interop::iter
