/// \file
/// map: the items of a source, each transformed by a callable.
///
///     source | iter::map(f)        iter::map(std::move(source), f)
///
/// f is called with each item as an rvalue and may return a value or a `task<U>`
/// (which is awaited). The result is a generator of the (decayed) results.
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

/// Both the source and f live in the generator's frame, so f's captures stay alive
/// for as long as the mapped iterator does.
template <AsyncIterator I, typename F>
    requires std::invocable<F&, iter_value_t<I> &&> &&
        (!std::is_void_v<detail::async_result_t<F, iter_value_t<I>&&>>)
            generator<detail::async_result_t<F, iter_value_t<I>&&>> map(I source, F fn) {
        for (;;) {
            auto pending = source.next();
            std::optional<iter_value_t<I>> item = co_await std::move(pending);
            if (!item) co_return;
            auto calling = detail::async_invoke(fn, std::move(*item));
            auto mapped = co_await std::move(calling);
            co_yield std::move(mapped);
            co_await detail::cooperate();
        }
    }

    template <typename F>
    auto map(F fn) {
        return adaptor{[fn = std::move(fn)]<AsyncIterator I>(I source) mutable {
            return iter::map(std::move(source), std::move(fn));
        }};
    }

}  // namespace interop::iter
