/// \file
/// Combinators over tasks, built on scopes so that nothing they start outlives them:
///
/// - when_all(a, b, ...) / when_all(vector<task<T>>): runs all concurrently and
///   returns every value. If one throws, the others are cancelled and awaited, then
///   the exception is rethrown.
/// - when_any(a, b, ...) / when_any(vector<task<T>>): returns the first to finish
///   (a variant, or the index and value); the losers are cancelled and awaited
///   before it returns.
/// - race(a, b, ...): when_any for tasks of one type, returning just the value.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "interop/detail/stored.hpp"
#include "interop/run.hpp"
#include "interop/scope.hpp"
#include "interop/task.hpp"

namespace interop {

namespace detail {

template <typename T>
task<void> store_into(task<T> t, std::optional<stored_t<T>>* slot) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(t);
        slot->emplace();
    } else {
        slot->emplace(co_await std::move(t));
    }
}

// The first child to finish claims `winner`, stores its value, and cancels the rest.
template <std::size_t I, typename T, typename Variant>
task<void> first_into(task<T> t, std::atomic<bool>* claimed, std::optional<Variant>* winner,
                      scope* s) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(t);
        if (!claimed->exchange(true, std::memory_order_acq_rel)) {
            winner->emplace(std::in_place_index<I>);
            s->cancel();
        }
    } else {
        auto value = co_await std::move(t);
        if (!claimed->exchange(true, std::memory_order_acq_rel)) {
            winner->emplace(std::in_place_index<I>, std::move(value));
            s->cancel();
        }
    }
}

template <typename T>
task<void> first_of_range(task<T> t, std::size_t index, std::atomic<bool>* claimed,
                          std::optional<std::pair<std::size_t, stored_t<T>>>* winner, scope* s) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(t);
        if (!claimed->exchange(true, std::memory_order_acq_rel)) {
            winner->emplace(index, std::monostate{});
            s->cancel();
        }
    } else {
        auto value = co_await std::move(t);
        if (!claimed->exchange(true, std::memory_order_acq_rel)) {
            winner->emplace(index, std::move(value));
            s->cancel();
        }
    }
}

}  // namespace detail

/// Runs all the tasks concurrently and returns every value. If one throws, the
/// others are cancelled and awaited, then the exception is rethrown.
template <typename... T>
task<std::tuple<detail::stored_t<T>...>> when_all(task<T>... tasks) {
    std::tuple<std::optional<detail::stored_t<T>>...> slots;
    auto spawn_all = [&]<std::size_t... I>(scope & s, std::index_sequence<I...>) {
        (s.spawn(detail::store_into(std::move(tasks), &std::get<I>(slots))), ...);
    };
    co_await with_scope([&](scope& s) -> task<void> {
        spawn_all(s, std::index_sequence_for<T...>{});
        co_return;
    });
    co_return std::apply([](auto&... slot) { return std::tuple{std::move(*slot)...}; }, slots);
}

/// when_all over a vector of tasks: every value, in the order of the tasks.
template <typename T>
task<std::vector<detail::stored_t<T>>> when_all(std::vector<task<T>> tasks) {
    std::vector<std::optional<detail::stored_t<T>>> slots(tasks.size());
    co_await with_scope([&](scope& s) -> task<void> {
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            s.spawn(detail::store_into(std::move(tasks[i]), &slots[i]));
        }
        co_return;
    });
    std::vector<detail::stored_t<T>> values;
    values.reserve(slots.size());
    for (auto& slot : slots) values.push_back(std::move(*slot));
    co_return values;
}

/// Returns the value of the first task to finish, as a variant; the losers are
/// cancelled and awaited before it returns.
template <typename... T>
    requires(sizeof...(T) > 0)
task<std::variant<detail::stored_t<T>...>> when_any(task<T>... tasks) {
    using result = std::variant<detail::stored_t<T>...>;
    std::atomic<bool> claimed{false};
    std::optional<result> winner;
    auto spawn_all = [&]<std::size_t... I>(scope & s, std::index_sequence<I...>) {
        (s.spawn(detail::first_into<I>(std::move(tasks), &claimed, &winner, &s)), ...);
    };
    co_await with_scope([&](scope& s) -> task<void> {
        spawn_all(s, std::index_sequence_for<T...>{});
        co_return;
    });
    co_return std::move(*winner);
}

/// The index of the first task to finish and its value. An empty range is a
/// logic error (there would be nothing to wait for).
template <typename T>
task<std::pair<std::size_t, detail::stored_t<T>>> when_any(std::vector<task<T>> tasks) {
    if (tasks.empty()) throw std::invalid_argument("interop::when_any: no tasks to wait for");
    std::atomic<bool> claimed{false};
    std::optional<std::pair<std::size_t, detail::stored_t<T>>> winner;
    co_await with_scope([&](scope& s) -> task<void> {
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            s.spawn(detail::first_of_range(std::move(tasks[i]), i, &claimed, &winner, &s));
        }
        co_return;
    });
    co_return std::move(*winner);
}

/// when_any for tasks of one type, returning just the value.
template <typename T, typename... Rest>
    requires(std::is_same_v<T, Rest>&&...)
task<T> race(task<T> first, task<Rest>... rest) {
    auto v = co_await when_any(std::move(first), std::move(rest)...);
    if constexpr (!std::is_void_v<T>) {
        co_return std::visit([](auto& value) -> T { return std::move(value); }, v);
    }
}

}  // namespace interop
