/// \file
/// chunks_timeout: chunks of up to n items, cut short after a time limit.
///
///     events | iter::chunks_timeout(100, 50ms)
///
/// A chunk is yielded when it has n items, or when `limit` has passed (on the
/// runtime's clock) since its first item arrived, whichever comes first; then the
/// next chunk starts with the next item. When the source ends, the partial chunk is
/// yielded. Chunks are never empty: with no items nothing is yielded, however long
/// that takes.
///
/// The source is drained by a task of the combinator's own, which notes when each
/// item arrives; so the limit counts from the arrival of the first item even when
/// the consumer was busy, and the source keeps making progress meanwhile. At most n
/// items are read ahead. If the source fails, the partial chunk is yielded first and
/// the exception is rethrown by the following next(). Cancelling the consuming task
/// or destroying the iterator cancels the draining (as for buffered, see
/// detail/deliver.hpp); a partial chunk is then dropped. n = 0 is rejected with
/// std::invalid_argument when the combinator is built.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "interop/generator.hpp"
#include "interop/io_result.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/background.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/detail/handoff.hpp"
#include "interop/iter/detail/item_result.hpp"
#include "interop/iter/detail/limit.hpp"
#include "interop/iter/pipe.hpp"
#include "interop/task.hpp"
#include "interop/this_task.hpp"
#include "interop/time.hpp"
#include "interop/timeout.hpp"

namespace interop::iter {

namespace detail {

template <typename T>
struct arrival {
    time_point at;
    item_result<T> item;
};

template <typename T>
using arrival_queue = handoff<arrival<T>>;

// Pulls the source into the queue, noting when each item arrived.
template <typename T, typename I>
task<void> drain_stamped(std::shared_ptr<arrival_queue<T>> queue, I source_arg) {
    // Owned by a local, so it is gone once this task has finished (see release_now).
    I source = std::move(source_arg);
    for (;;) {
        auto reserving = queue->reserve();
        std::optional<typename arrival_queue<T>::ticket> slot = co_await std::move(reserving);
        if (!slot) break;  // cancelled
        std::exception_ptr failure;
        try {
            auto pending = source.next();
            std::optional<T> item = co_await std::move(pending);
            if (!item) {
                queue->unreserve(*slot);
                break;
            }
            const time_point at = co_await interop::now();
            queue->fill(*slot, arrival<T>{at, item_result<T>(std::move(*item))});
            continue;
        } catch (...) {
            failure = std::current_exception();
        }
        const time_point at = co_await interop::now();
        queue->fill(*slot, arrival<T>{at, item_result<T>::failure(failure)});
        break;
    }
    queue->close();
}

template <typename T, typename I>
generator<std::vector<T>> chunks_timeout_impl(I source, std::size_t size, duration limit) {
    auto queue = std::make_shared<arrival_queue<T>>(size, arrival_queue<T>::order::completion);
    background bg;
    {
        task<void> work = drain_stamped<T>(queue, std::move(source));
        task<void> starting = bg.start(std::move(work));
        co_await std::move(starting);
    }
    std::vector<T> chunk;
    time_point deadline{};
    std::optional<arrival<T>> held;  // arrived after the deadline: opens the next chunk
    for (;;) {
        bg.follow(co_await current_context());
        std::optional<arrival<T>> next = std::exchange(held, std::nullopt);
        if (!next) next = queue->try_take();
        bool ended = false;
        bool cancelled = false;
        if (next) {
            co_await cooperate();
        } else {
            // Nothing is there yet: wait, until the deadline if a chunk is open.
            std::optional<io_result<std::optional<arrival<T>>>> waited;
            if (chunk.empty()) {
                auto taking = queue->take();
                waited.emplace(co_await std::move(taking));
            } else {
                const time_point current = co_await interop::now();
                if (current < deadline) {
                    auto waiting = interop::timeout(deadline - current, queue->take());
                    waited.emplace(co_await std::move(waiting));
                }
            }
            if (!waited || waited->is(std::errc::timed_out)) {
                std::vector<T> due = std::exchange(chunk, {});
                co_yield std::move(due);
                continue;
            }
            if (!*waited) {
                cancelled = true;
            } else if (!**waited) {
                ended = true;
            } else {
                next = std::move(**waited);
            }
        }
        if (cancelled) {
            bg.cancel();
            (void)co_await bg.join();
            co_return;
        }
        if (ended || next->item.failed()) {
            if (!chunk.empty()) {
                std::vector<T> rest = std::exchange(chunk, {});
                co_yield std::move(rest);
            }
            if (!ended) bg.cancel();
            (void)co_await bg.join();
            if (!ended) std::rethrow_exception(next->item.error());
            co_return;
        }
        if (!chunk.empty() && next->at >= deadline) {
            // The chunk was due before this item arrived (the consumer was busy).
            held = std::move(next);
            std::vector<T> due = std::exchange(chunk, {});
            co_yield std::move(due);
            continue;
        }
        if (chunk.empty()) deadline = interop::detail::saturating_add(next->at, limit);
        chunk.push_back(next->item.take());
        if (chunk.size() == size) {
            std::vector<T> full = std::exchange(chunk, {});
            co_yield std::move(full);
        }
    }
}

}  // namespace detail

/// Chunks of up to `size` items, cut short after a time limit.
template <AsyncIterator I, typename Rep, typename Ratio>
generator<std::vector<iter_value_t<I>>> chunks_timeout(I source, std::size_t size,
                                                       std::chrono::duration<Rep, Ratio> limit) {
    detail::checked_limit(size, "iter::chunks_timeout: the chunk size");
    return detail::chunks_timeout_impl<iter_value_t<I>>(
        std::move(source), size, interop::detail::to_runtime_duration(limit));
}

/// chunks_timeout() without its source, for `source | iter::chunks_timeout(...)`.
template <typename Rep, typename Ratio>
auto chunks_timeout(std::size_t size, std::chrono::duration<Rep, Ratio> limit) {
    detail::checked_limit(size, "iter::chunks_timeout: the chunk size");
    const duration d = interop::detail::to_runtime_duration(limit);
    return adaptor{[size, d]<AsyncIterator I>(I source) {
        return detail::chunks_timeout_impl<iter_value_t<I>>(std::move(source), size, d);
    }};
}

}  // namespace interop::iter
