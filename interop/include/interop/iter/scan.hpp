/// \file
/// scan: a running fold that yields every intermediate accumulator.
///
///     source | iter::scan(init, f)     1 2 3 with (0, +)  ->  1 3 6
///
/// Like fold, acc = f(std::move(acc), item) for each item (f may return a task),
/// but scan yields a copy of acc after each step instead of only the last one. The
/// initial value itself is not yielded. A needs to be copyable.
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

/// A running fold that yields every intermediate accumulator.
template <AsyncIterator I, typename A, typename F>
    requires std::copy_constructible<A> && std::invocable<F&, A&&, iter_value_t<I> &&>&&
        std::assignable_from<A&, detail::async_result_t<F, A&&, iter_value_t<I>&&>>
            generator<A> scan(I source, A acc, F fn) {
        for (;;) {
            auto pending = source.next();
            std::optional<iter_value_t<I>> item = co_await std::move(pending);
            if (!item) co_return;
            auto calling = detail::async_invoke(fn, std::move(acc), std::move(*item));
            acc = co_await std::move(calling);
            co_yield std::as_const(acc);
            co_await detail::cooperate();
        }
    }

    template <typename A, typename F>
    auto scan(A init, F fn) {
        return adaptor{
            [init = std::move(init), fn = std::move(fn)]<AsyncIterator I>(I source) mutable {
                return iter::scan(std::move(source), std::move(init), std::move(fn));
            }};
    }

}  // namespace interop::iter
