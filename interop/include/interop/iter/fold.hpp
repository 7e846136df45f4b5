/// \file
/// fold and for_each: drain a source through a callable; both return tasks.
///
///     A total = co_await (source | iter::fold(init, f));   // acc = f(move(acc), item)
///     co_await (source | iter::for_each(f));               // f(item) for each item
///
/// f may return its result directly or as a task (an async closure), and is called
/// with the items as rvalues. A failing f (or source) ends the drain and its
/// exception reaches whoever awaits the task.
#pragma once

#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>

#include "interop/iter/async_invoke.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/pipe.hpp"
#include "interop/task.hpp"

namespace interop::iter {

/// Drains `source` through `fn`, starting from `init`, and returns the accumulator.
template <AsyncIterator I, typename A, typename F>
    requires std::invocable<F&, A&&, iter_value_t<I> &&>&&
        std::assignable_from<A&, detail::async_result_t<F, A&&, iter_value_t<I>&&>>
            task<A> fold(I source, A init, F fn) {
        for (;;) {
            auto pending = source.next();
            std::optional<iter_value_t<I>> item = co_await std::move(pending);
            if (!item) break;
            auto calling = detail::async_invoke(fn, std::move(init), std::move(*item));
            init = co_await std::move(calling);
            co_await detail::cooperate();
        }
        co_return std::move(init);
    }

    template <typename A, typename F>
    auto fold(A init, F fn) {
        return adaptor{
            [init = std::move(init), fn = std::move(fn)]<AsyncIterator I>(I source) mutable {
                return iter::fold(std::move(source), std::move(init), std::move(fn));
            }};
    }

    template <AsyncIterator I, typename F>
        requires std::invocable<F&, iter_value_t<I> &&> task<void> for_each(I source, F fn) {
            for (;;) {
                auto pending = source.next();
                std::optional<iter_value_t<I>> item = co_await std::move(pending);
                if (!item) break;
                auto calling = detail::async_invoke(fn, std::move(*item));
                co_await std::move(calling);
                co_await detail::cooperate();
            }
        }

        template <typename F>
        auto for_each(F fn) {
            return adaptor{[fn = std::move(fn)]<AsyncIterator I>(I source) mutable {
                return iter::for_each(std::move(source), std::move(fn));
            }};
        }

}  // namespace interop::iter
