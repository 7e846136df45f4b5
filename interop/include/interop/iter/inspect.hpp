/// \file
/// inspect: look at each item on its way through.
///
///     source | iter::inspect([](const T& x) { log(x); })
///
/// Calls f with each item as a const lvalue (f may return a task<void>, which is
/// awaited before the item is passed on) and yields the item unchanged.
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

/// The items of `source`, each shown to `fn` on its way through.
template <AsyncIterator I, typename F>
    requires std::invocable < F&, const iter_value_t<I>
& > generator<iter_value_t<I>> inspect(I source, F fn) {
    for (;;) {
        auto pending = source.next();
        std::optional<iter_value_t<I>> item = co_await std::move(pending);
        if (!item) co_return;
        auto calling = detail::async_invoke(fn, std::as_const(*item));
        co_await std::move(calling);
        co_yield std::move(*item);
        co_await detail::cooperate();
    }
}

/// inspect() without its source, for `source | iter::inspect(...)`.
template <typename F>
auto inspect(F fn) {
    return adaptor{[fn = std::move(fn)]<AsyncIterator I>(I source) mutable {
        return iter::inspect(std::move(source), std::move(fn));
    }};
}

}  // namespace interop::iter
