/// \file
/// buffered and buffer_unordered: run up to n items at once, as tasks.
///
///     tasks | iter::buffered(n)            tasks: an iterator of task<U>; yields the U's
///     items | iter::buffered(n, f)         runs f(item) (a task<U>) for each item
///     ... | iter::buffer_unordered(n[, f]) the same, yielding in completion order
///
/// buffered yields in source order; buffer_unordered yields each result as soon as
/// it is ready. Both keep at most n items in flight: an item counts from the moment
/// it is started until the consumer has taken its result, so no more than n run at
/// once and no more than n results ever wait for a slow consumer. A limit of 0 is
/// rejected with std::invalid_argument when the combinator is built.
///
/// The items run as tasks in a scope owned by a task of the combinator's own (see
/// detail/background.hpp), so they keep making progress while the consumer does
/// something else between two next() calls: a consumer that waits for something
/// the in-flight items must do first cannot deadlock them. The source is pulled by
/// that task too, one item ahead of each free slot.
///
/// f is stored by value in that task's frame and called there, one item at a time;
/// the task it returns runs concurrently with the others (possibly on another thread
/// of a multi-threaded runtime). The item is kept alive until that task finishes,
/// so f may take it by reference. A plain (non-task) result of f is computed
/// immediately, which makes buffered(n, f) behave like map(f).
///
/// Failures are items: an exception from an item, from f or from the source is
/// rethrown by the next() that reaches its position, after everything before it
/// has been delivered; the rest of the work is then cancelled and joined, and the
/// iterator ends. Cancelling the consuming task cancels the items at once; destroying
/// the iterator cancels them too. See detail/deliver.hpp for the full contract.
#pragma once

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "interop/generator.hpp"
#include "interop/iter/async_invoke.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/deliver.hpp"
#include "interop/iter/detail/limit.hpp"
#include "interop/iter/detail/release_now.hpp"
#include "interop/iter/pipe.hpp"
#include "interop/scope.hpp"
#include "interop/task.hpp"

namespace interop::iter {

namespace detail {

// The "callable" of buffered(n) over an iterator of tasks: the item is the work.
struct as_is {};

template <typename I, typename F>
struct buffered_item {
    using type = async_result_t<F, iter_value_t<I>&&>;
};
template <typename I>
struct buffered_item<I, as_is> {
    using type = typename unwrap_task<iter_value_t<I>>::type;
};
template <typename I, typename F>
using buffered_item_t = typename buffered_item<I, F>::type;

// Awaits one item's task and puts its outcome in the item's slot. `keep` owns the
// source item that the task may refer to, for as long as the task runs.
template <typename U, typename Keep>
task<void> run_item(task<U> work, Keep keep, result_queue<U>* queue,
                    typename result_queue<U>::ticket slot) {
    std::optional<item_result<U>> outcome;
    try {
        U value = co_await std::move(work);
        outcome.emplace(std::move(value));
    } catch (...) {
        outcome.emplace(item_result<U>::failure(std::current_exception()));
    }
    // NOLINTNEXTLINE(bugprone-use-after-move): co_await leaves the task; this destroys it
    release_now(std::move(work), std::move(keep));
    queue->fill(slot, std::move(*outcome));
}

template <typename U, typename F, typename T>
void start_item(scope& s, F& fn, T item, result_queue<U>* queue,
                typename result_queue<U>::ticket slot) {
    if constexpr (std::is_same_v<F, as_is>) {
        s.spawn(run_item<U>(std::move(item), std::monostate{}, queue, slot));
    } else if constexpr (is_task_v<std::invoke_result_t<F&, T&&>>) {
        // Boxed so its address survives the move into the item's frame.
        auto keep = std::make_unique<T>(std::move(item));
        task<U> work = std::invoke(fn, std::move(*keep));
        s.spawn(run_item<U>(std::move(work), std::move(keep), queue, slot));
    } else {
        queue->fill(slot, item_result<U>(std::invoke(fn, std::move(item))));
    }
}

// The work task: pulls the source into free slots and starts an item for each.
template <typename U, typename I, typename F>
task<void> buffer_work(std::shared_ptr<result_queue<U>> queue, I source_arg, F fn_arg) {
    // Owned by locals, so they are gone once this task has finished (see release_now).
    I source = std::move(source_arg);
    F fn = std::move(fn_arg);
    auto body = [&](scope& s) -> task<void> {
        for (;;) {
            auto reserving = queue->reserve();
            std::optional<typename result_queue<U>::ticket> slot = co_await std::move(reserving);
            if (!slot) co_return;  // cancelled
            std::exception_ptr failure;
            try {
                auto pending = source.next();
                std::optional<iter_value_t<I>> item = co_await std::move(pending);
                if (!item) {
                    queue->unreserve(*slot);
                    co_return;
                }
                start_item<U>(s, fn, std::move(*item), queue.get(), *slot);
                continue;
            } catch (...) {
                failure = std::current_exception();
            }
            // The source (or f) failed: that is the last item.
            queue->fill(*slot, item_result<U>::failure(failure));
            co_return;
        }
    };
    task<void> running = run_then_close(queue.get(), body);
    co_await std::move(running);
}

template <typename U, typename I, typename F>
generator<U> make_buffered(I source, std::size_t limit, F fn, bool ordered) {
    using order = typename result_queue<U>::order;
    auto queue =
        std::make_shared<result_queue<U>>(limit, ordered ? order::reservation : order::completion);
    task<void> work = buffer_work<U>(queue, std::move(source), std::move(fn));
    return deliver<U>(std::move(queue), std::move(work));
}

template <typename I>
concept iterator_of_tasks = AsyncIterator<I> && is_task_v<iter_value_t<I>> &&
    (!std::is_void_v<typename unwrap_task<iter_value_t<I>>::type>);

template <typename I, typename F>
concept buffer_callable = AsyncIterator<I> && std::invocable<F&, iter_value_t<I> &&> &&
                          (!std::is_void_v<async_result_t<F, iter_value_t<I>&&>>);

}  // namespace detail

// ---- buffered: source order -------------------------------------------------------

/// Runs up to `limit` items at once, as tasks, and yields their results in source order.
template <detail::iterator_of_tasks I>
generator<detail::buffered_item_t<I, detail::as_is>> buffered(I source, std::size_t limit) {
    detail::checked_limit(limit, "iter::buffered: the limit");
    return detail::make_buffered<detail::buffered_item_t<I, detail::as_is>>(
        std::move(source), limit, detail::as_is{}, true);
}

/// Runs up to `limit` items at once, as tasks, and yields their results in source order.
template <AsyncIterator I, typename F>
    requires detail::buffer_callable<I, F> generator<detail::buffered_item_t<I, F>> buffered(
        I source, std::size_t limit, F fn) {
        detail::checked_limit(limit, "iter::buffered: the limit");
        return detail::make_buffered<detail::buffered_item_t<I, F>>(std::move(source), limit,
                                                                    std::move(fn), true);
    }

/// buffered() without its source, for `source | iter::buffered(...)`.
inline auto buffered(std::size_t limit) {
    detail::checked_limit(limit, "iter::buffered: the limit");
    return adaptor{[limit]<detail::iterator_of_tasks I>(I source) {
        return iter::buffered(std::move(source), limit);
    }};
}

/// buffered() without its source, for `source | iter::buffered(...)`.
template <typename F>
    requires(!AsyncIterator<F>)
auto buffered(std::size_t limit, F fn) {
    detail::checked_limit(limit, "iter::buffered: the limit");
    return adaptor{[limit, fn = std::move(fn)]<AsyncIterator I>(I source) mutable {
        return iter::buffered(std::move(source), limit, std::move(fn));
    }};
}

// ---- buffer_unordered: completion order -------------------------------------------

/// Runs up to `limit` items at once, as tasks, and yields each result as soon as it is ready.
template <detail::iterator_of_tasks I>
generator<detail::buffered_item_t<I, detail::as_is>> buffer_unordered(I source, std::size_t limit) {
    detail::checked_limit(limit, "iter::buffer_unordered: the limit");
    return detail::make_buffered<detail::buffered_item_t<I, detail::as_is>>(
        std::move(source), limit, detail::as_is{}, false);
}

/// Runs up to `limit` items at once, as tasks, and yields each result as soon as it is ready.
template <AsyncIterator I, typename F>
    requires detail::buffer_callable<I, F> generator<detail::buffered_item_t<I, F>>
    buffer_unordered(I source, std::size_t limit, F fn) {
        detail::checked_limit(limit, "iter::buffer_unordered: the limit");
        return detail::make_buffered<detail::buffered_item_t<I, F>>(std::move(source), limit,
                                                                    std::move(fn), false);
    }

/// buffer_unordered() without its source, for `source | iter::buffer_unordered(...)`.
inline auto buffer_unordered(std::size_t limit) {
    detail::checked_limit(limit, "iter::buffer_unordered: the limit");
    return adaptor{[limit]<detail::iterator_of_tasks I>(I source) {
        return iter::buffer_unordered(std::move(source), limit);
    }};
}

/// buffer_unordered() without its source, for `source | iter::buffer_unordered(...)`.
template <typename F>
    requires(!AsyncIterator<F>)
auto buffer_unordered(std::size_t limit, F fn) {
    detail::checked_limit(limit, "iter::buffer_unordered: the limit");
    return adaptor{[limit, fn = std::move(fn)]<AsyncIterator I>(I source) mutable {
        return iter::buffer_unordered(std::move(source), limit, std::move(fn));
    }};
}

}  // namespace interop::iter
