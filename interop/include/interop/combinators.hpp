/// \file
/// Combinators over awaitables, built on scopes so that nothing they start outlives
/// them. Each operand is anything `co_await` accepts and that can be moved: a task,
/// or an awaitable the library returns (sleep_for, signal, a stream's read, a
/// join_handle, ...). Each runs as a child task, so a loser is cancelled through
/// its stop token like any other task:
///
/// - when_all(a, b, ...) / when_all(`vector<A>`): runs all concurrently and returns
///   every value. If one throws, the others are cancelled and awaited, then the
///   exception is rethrown.
/// - when_any(a, b, ...) / when_any(`vector<A>`): returns the first to finish (a
///   variant, or the index and value); the losers are cancelled and awaited before
///   it returns.
/// - race(a, b, ...): when_any for operands of one result type, returning just the value.
///
///     auto first = co_await interop::when_any(interop::signal(SIGINT),
///                                             interop::sleep_for(10s));
///     if (first.index() == 1) return;  // ten seconds passed without a SIGINT
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "interop/concepts.hpp"
#include "interop/detail/await_result.hpp"
#include "interop/detail/stored.hpp"
#include "interop/run.hpp"
#include "interop/scope.hpp"
#include "interop/task.hpp"

namespace interop {

namespace detail {

template <typename A>
using operand_value_t = stored_t<await_result_t<A>>;

template <typename A, typename Slot>
task<void> store_into(A op, Slot* slot) {
    if constexpr (std::is_void_v<await_result_t<A>>) {
        co_await std::move(op);
        slot->emplace();
    } else {
        slot->emplace(co_await std::move(op));
    }
}

// The first child to finish claims `winner`, stores its value, and cancels the rest.
template <std::size_t I, typename A, typename Variant>
task<void> first_into(A op, std::atomic<bool>* claimed, std::optional<Variant>* winner, scope* s) {
    if constexpr (std::is_void_v<await_result_t<A>>) {
        co_await std::move(op);
        if (!claimed->exchange(true, std::memory_order_acq_rel)) {
            winner->emplace(std::in_place_index<I>);
            s->cancel();
        }
    } else {
        auto value = co_await std::move(op);
        if (!claimed->exchange(true, std::memory_order_acq_rel)) {
            winner->emplace(std::in_place_index<I>, std::move(value));
            s->cancel();
        }
    }
}

template <typename A>
task<void> first_of_range(A op, std::size_t index, std::atomic<bool>* claimed,
                          std::optional<std::pair<std::size_t, operand_value_t<A>>>* winner,
                          scope* s) {
    if constexpr (std::is_void_v<await_result_t<A>>) {
        co_await std::move(op);
        if (!claimed->exchange(true, std::memory_order_acq_rel)) {
            winner->emplace(index, std::monostate{});
            s->cancel();
        }
    } else {
        auto value = co_await std::move(op);
        if (!claimed->exchange(true, std::memory_order_acq_rel)) {
            winner->emplace(index, std::move(value));
            s->cancel();
        }
    }
}

}  // namespace detail

/// Runs all the operands concurrently and returns every value. If one throws, the
/// others are cancelled and awaited, then the exception is rethrown.
template <Awaitable... A>
task<std::tuple<detail::operand_value_t<A>...>> when_all(A... ops) {
    std::tuple<std::optional<detail::operand_value_t<A>>...> slots;
    auto spawn_all = [&]<std::size_t... I>(scope & s, std::index_sequence<I...>) {
        (s.spawn(detail::store_into(std::move(ops), &std::get<I>(slots))), ...);
    };
    co_await with_scope([&](scope& s) -> task<void> {
        spawn_all(s, std::index_sequence_for<A...>{});
        co_return;
    });
    co_return std::apply([](auto&... slot) { return std::tuple{std::move(*slot)...}; }, slots);
}

/// when_all over a vector of operands: every value, in the order of the operands.
template <Awaitable A>
task<std::vector<detail::operand_value_t<A>>> when_all(std::vector<A> ops) {
    std::vector<std::optional<detail::operand_value_t<A>>> slots(ops.size());
    co_await with_scope([&](scope& s) -> task<void> {
        for (std::size_t i = 0; i < ops.size(); ++i) {
            s.spawn(detail::store_into(std::move(ops[i]), &slots[i]));
        }
        co_return;
    });
    std::vector<detail::operand_value_t<A>> values;
    values.reserve(slots.size());
    for (auto& slot : slots) values.push_back(std::move(*slot));
    co_return values;
}

/// Returns the value of the first operand to finish, as a variant; the losers are
/// cancelled and awaited before it returns.
template <Awaitable... A>
    requires(sizeof...(A) > 0)
task<std::variant<detail::operand_value_t<A>...>> when_any(A... ops) {
    using result = std::variant<detail::operand_value_t<A>...>;
    std::atomic<bool> claimed{false};
    std::optional<result> winner;
    auto spawn_all = [&]<std::size_t... I>(scope & s, std::index_sequence<I...>) {
        (s.spawn(detail::first_into<I>(std::move(ops), &claimed, &winner, &s)), ...);
    };
    co_await with_scope([&](scope& s) -> task<void> {
        spawn_all(s, std::index_sequence_for<A...>{});
        co_return;
    });
    co_return std::move(*winner);
}

/// The index of the first operand to finish and its value. An empty range is a
/// logic error (there would be nothing to wait for).
template <Awaitable A>
task<std::pair<std::size_t, detail::operand_value_t<A>>> when_any(std::vector<A> ops) {
    if (ops.empty()) throw std::invalid_argument("interop::when_any: nothing to wait for");
    std::atomic<bool> claimed{false};
    std::optional<std::pair<std::size_t, detail::operand_value_t<A>>> winner;
    co_await with_scope([&](scope& s) -> task<void> {
        for (std::size_t i = 0; i < ops.size(); ++i) {
            s.spawn(detail::first_of_range(std::move(ops[i]), i, &claimed, &winner, &s));
        }
        co_return;
    });
    co_return std::move(*winner);
}

/// when_any for operands of one result type, returning just the value.
template <Awaitable A, Awaitable... Rest>
    requires(std::is_same_v<detail::await_result_t<A>, detail::await_result_t<Rest>>&&...)
task<detail::await_result_t<A>> race(A first, Rest... rest) {
    using T = detail::await_result_t<A>;
    auto v = co_await when_any(std::move(first), std::move(rest)...);
    if constexpr (!std::is_void_v<T>) {
        co_return std::visit([](auto& value) -> T { return std::move(value); }, v);
    }
}

}  // namespace interop
