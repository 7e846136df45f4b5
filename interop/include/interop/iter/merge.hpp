/// \file
/// merge: fan-in of several iterators with one value type.
///
///     iter::merge(std::move(a), std::move(b), std::move(c))   any number of sources
///     iter::merge(std::move(vector_of_iterators))             a runtime number of them
///     a | iter::merge(std::move(b))                            the pipe form
///
/// Yields the items of all sources as they arrive, from whichever source has one,
/// and ends when every source has ended. Each source is drained by a task of its
/// own, so a slow source never holds up the others and the sources keep making
/// progress while the consumer is busy. At most as many items as there are sources
/// wait for the consumer; a source that is ahead waits for room.
///
/// The order of items from one source is kept. An exception from a source is
/// rethrown by the next() that reaches it (items that arrived before it come
/// first); the other sources are then cancelled and joined, and the merge ends.
/// Cancellation and destruction behave as for buffered (see detail/deliver.hpp).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "interop/generator.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/deliver.hpp"
#include "interop/iter/pipe.hpp"
#include "interop/scope.hpp"
#include "interop/task.hpp"

namespace interop::iter {

namespace detail {

// Drains one source into the queue, reserving room before each pull.
template <typename T, typename I>
task<void> drain_into(result_queue<T>* queue, I* source) {
    for (;;) {
        auto reserving = queue->reserve();
        std::optional<typename result_queue<T>::ticket> slot = co_await std::move(reserving);
        if (!slot) co_return;  // cancelled
        std::exception_ptr failure;
        try {
            auto pending = source->next();
            std::optional<T> item = co_await std::move(pending);
            if (!item) {
                queue->unreserve(*slot);
                co_return;
            }
            queue->fill(*slot, item_result<T>(std::move(*item)));
            continue;
        } catch (...) {
            failure = std::current_exception();
        }
        queue->fill(*slot, item_result<T>::failure(failure));
        co_return;
    }
}

template <typename T, typename... I>
task<void> merge_work(std::shared_ptr<result_queue<T>> queue, I... source_args) {
    // Owned by a local, so they are gone once this task has finished (see release_now).
    std::tuple<I...> sources(std::move(source_args)...);
    auto body = [&](scope& s) -> task<void> {
        std::apply([&](I&... source) { (s.spawn(drain_into<T>(queue.get(), &source)), ...); },
                   sources);
        co_return;
    };
    task<void> running = run_then_close(queue.get(), body);
    co_await std::move(running);
}

template <typename T, typename I>
task<void> merge_range_work(std::shared_ptr<result_queue<T>> queue, std::vector<I> source_args) {
    std::vector<I> sources = std::move(source_args);
    auto body = [&](scope& s) -> task<void> {
        for (I& source : sources) s.spawn(drain_into<T>(queue.get(), &source));
        co_return;
    };
    task<void> running = run_then_close(queue.get(), body);
    co_await std::move(running);
}

template <typename I, typename... Rest>
concept same_value_iterators = AsyncIterator<I> &&(AsyncIterator<Rest>&&...) &&
                               (std::same_as<iter_value_t<I>, iter_value_t<Rest>> && ...);

}  // namespace detail

/// Fan-in: the items of all sources as they arrive, from whichever has one.
template <AsyncIterator I, AsyncIterator... Rest>
    requires(sizeof...(Rest) > 0)
&&detail::same_value_iterators<I, Rest...> generator<iter_value_t<I>> merge(I first, Rest... rest) {
    using T = iter_value_t<I>;
    auto queue = std::make_shared<detail::result_queue<T>>(
        1 + sizeof...(Rest), detail::result_queue<T>::order::completion);
    task<void> work = detail::merge_work<T>(queue, std::move(first), std::move(rest)...);
    return detail::deliver<T>(std::move(queue), std::move(work));
}

/// Fan-in: the items of all sources as they arrive, from whichever has one.
template <AsyncIterator I>
generator<iter_value_t<I>> merge(std::vector<I> sources) {
    using T = iter_value_t<I>;
    auto queue = std::make_shared<detail::result_queue<T>>(
        std::max<std::size_t>(1, sources.size()), detail::result_queue<T>::order::completion);
    task<void> work = detail::merge_range_work<T>(queue, std::move(sources));
    return detail::deliver<T>(std::move(queue), std::move(work));
}

/// Pipe form: `a | iter::merge(std::move(b))` merges a with b. (Called with one
/// iterator, merge is the pipe form; with two or more, it merges them directly.)
template <AsyncIterator Other>
auto merge(Other other) {
    return adaptor{[other = std::move(other)]<AsyncIterator I>(
        I source) mutable requires detail::same_value_iterators<I, Other>{
        return iter::merge(std::move(source), std::move(other));
}
};  // namespace interop::iter
}

}  // namespace interop::iter
