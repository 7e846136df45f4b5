/// \file
/// for_each_concurrent: run an async callable on every item, at most n at a time.
///
///     co_await (source | iter::for_each_concurrent(n, f));
///     co_await iter::for_each_concurrent(std::move(source), n, f);
///
/// f(item) returns a task<void> (or returns nothing, then it runs inline). The
/// result is a task that pulls the source, starts a body for each item as soon as
/// fewer than n are running, and finishes when the source has ended and every
/// body has finished. The bodies are children of a scope, so they run while the
/// source is being pulled and whatever the awaiting task is waiting on.
///
/// f is stored in the task's frame and called there, one item at a time; the item
/// lives until its body finishes, so f may take it by reference. The first
/// exception (from a body, f or the source) cancels the other bodies and stops the
/// pulling; once all bodies have finished it is rethrown. Cancelling the awaiting
/// task cancels every body, and the task still waits for them all. A limit of 0 is
/// rejected with std::invalid_argument when the combinator is built.
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

#include "interop/iter/async_invoke.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/detail/handoff.hpp"
#include "interop/iter/detail/limit.hpp"
#include "interop/iter/detail/release_now.hpp"
#include "interop/iter/pipe.hpp"
#include "interop/scope.hpp"
#include "interop/task.hpp"

namespace interop::iter {

namespace detail {

// The bodies' slots: only the reserving side of a handoff is used, as a counting
// limit whose waiters are cancellable and served first come, first served.
using body_slots = handoff<std::monostate>;

// One reserved slot, given back when the lease is destroyed.
class body_lease {
public:
    body_lease(body_slots* slots, body_slots::ticket t) noexcept : slots_(slots), ticket_(t) {}
    body_lease(body_lease&& other) noexcept
        : slots_(std::exchange(other.slots_, nullptr)), ticket_(other.ticket_) {}
    body_lease& operator=(body_lease&&) = delete;
    ~body_lease() {
        if (slots_ != nullptr) slots_->unreserve(ticket_);
    }

private:
    body_slots* slots_;
    body_slots::ticket ticket_;
};

// One body: its slot and the boxed item live until the body's task finishes,
// and are released before this task reports that it has. A failing body cancels
// the scope before it gives its slot back, so the slot cannot start another body.
template <typename T>
task<void> run_body(task<void> body, std::unique_ptr<T> keep, body_lease slot, scope* owner) {
    std::exception_ptr failure;
    try {
        // NOLINTNEXTLINE(bugprone-use-after-move): clang-tidy 14 takes the coroutine for a loop
        co_await std::move(body);
    } catch (...) {
        failure = std::current_exception();
        owner->cancel();
    }
    // NOLINTNEXTLINE(bugprone-use-after-move): co_await leaves the task; this destroys it
    release_now(std::move(body), std::move(keep), std::move(slot));
    if (failure) std::rethrow_exception(failure);
}

template <AsyncIterator I, typename F>
task<void> for_each_concurrent_impl(I source_arg, std::size_t limit, F fn_arg) {
    // Owned by locals, so they are gone once this task has finished (see release_now).
    I source = std::move(source_arg);
    F fn = std::move(fn_arg);
    using T = iter_value_t<I>;
    body_slots slots(limit, body_slots::order::completion);
    auto pull = [&](scope& s) -> task<void> {
        for (;;) {
            auto reserving = slots.reserve();
            std::optional<body_slots::ticket> reserved = co_await std::move(reserving);
            if (!reserved) co_return;  // the scope is failing or cancelled
            body_lease slot(&slots, *reserved);
            if (s.cancelled()) co_return;
            auto pending = source.next();
            std::optional<T> item = co_await std::move(pending);
            if (!item) co_return;
            if constexpr (is_task_v<std::invoke_result_t<F&, T&&>>) {
                // Boxed so that a body taking the item by reference can rely on it.
                auto keep = std::make_unique<T>(std::move(*item));
                task<void> body = std::invoke(fn, std::move(*keep));
                s.spawn(run_body<T>(std::move(body), std::move(keep), std::move(slot), &s));
            } else {
                std::invoke(fn, std::move(*item));
                co_await cooperate();
            }
        }
    };
    task<void> scoped = with_scope(pull);
    co_await std::move(scoped);
}

}  // namespace detail

/// Runs the callable on every item, at most `limit` at a time.
template <AsyncIterator I, typename F>
    requires std::invocable<F&, iter_value_t<I> &&>&&
        std::is_void_v<detail::async_result_t<F, iter_value_t<I>&&>>
            task<void> for_each_concurrent(I source, std::size_t limit, F fn) {
        detail::checked_limit(limit, "iter::for_each_concurrent: the limit");
        return detail::for_each_concurrent_impl(std::move(source), limit, std::move(fn));
    }

    template <typename F>
    auto for_each_concurrent(std::size_t limit, F fn) {
        detail::checked_limit(limit, "iter::for_each_concurrent: the limit");
        return adaptor{[limit, fn = std::move(fn)]<AsyncIterator I>(I source) mutable {
            return iter::for_each_concurrent(std::move(source), limit, std::move(fn));
        }};
    }

}  // namespace interop::iter
