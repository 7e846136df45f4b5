// The consumer half of buffered, buffer_unordered and merge: a generator that
// starts the work task, then yields the items it puts in the queue.
//
// Contract, shared by those combinators:
//   - nothing starts before the first next();
//   - an item that failed is rethrown from the next() that reaches it, after the
//     rest of the work has been cancelled and has finished; the iterator is then
//     at its end;
//   - when the consuming task is cancelled, the work is cancelled at once; the
//     next() it is in (or its next next()) waits for the work to finish and
//     returns the end, like a cancelled channel receive;
//   - the end is reported only after the work has finished.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "interop/generator.hpp"
#include "interop/io_result.hpp"
#include "interop/iter/detail/background.hpp"
#include "interop/iter/detail/handoff.hpp"
#include "interop/iter/detail/item_result.hpp"
#include "interop/scope.hpp"
#include "interop/task.hpp"
#include "interop/this_task.hpp"

namespace interop::iter::detail {

template <typename T>
using result_queue = handoff<item_result<T>>;

template <typename T>
generator<T> deliver(std::shared_ptr<result_queue<T>> queue, task<void> work) {
    background bg;
    task<void> starting = bg.start(std::move(work));
    co_await std::move(starting);
    for (;;) {
        bg.follow(co_await current_context());
        auto taking = queue->take();
        io_result<std::optional<item_result<T>>> taken = co_await std::move(taking);
        if (!taken || !*taken) {
            // The end, or our consumer was cancelled (and the work with it).
            if (!taken) bg.cancel();
            (void)co_await bg.join();
            co_return;
        }
        if ((*taken)->failed()) {
            bg.cancel();
            (void)co_await bg.join();
            std::rethrow_exception((*taken)->error());
        }
        T value = (*taken)->take();
        co_yield std::move(value);
    }
}

// Runs a scope body, then closes the queue whatever happened, so the consumer
// never waits for items that nobody will produce. What escapes the scope (only a
// spawn refused by a stopping runtime: item failures travel as items) is rethrown
// to the consumer's join.
template <typename Q, typename Body>
task<void> run_then_close(Q* queue, Body& body) {
    std::exception_ptr escaped;
    try {
        task<void> scoped = with_scope(body);
        co_await std::move(scoped);
    } catch (...) {
        escaped = std::current_exception();
    }
    queue->close();
    if (escaped) std::rethrow_exception(escaped);
}

}  // namespace interop::iter::detail
