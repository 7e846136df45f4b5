// What `co_await a` produces, computed without a coroutine.
//
// Generic code (the AsyncIterator concept, the iterator combinators) needs the
// result type of awaiting an expression. The language finds the awaiter in three
// ways — a member operator co_await, a free operator co_await, or the expression
// itself — and these traits follow the same order. await_transform is not
// considered: it belongs to the awaiting promise, and interop promises have none.
#pragma once

#include <concepts>
#include <utility>

namespace interop::detail {

template <typename A>
concept has_member_co_await = requires(A&& a) {
    static_cast<A&&>(a).operator co_await();
};

template <typename A>
concept has_free_co_await = requires(A&& a) {
    operator co_await(static_cast<A&&>(a));
};

// A is the type of the awaited expression: `X` (or `X&&`) for an rvalue, `X&` for
// an lvalue, so that ref-qualified operator co_await overloads are chosen as the
// language would choose them.
template <typename A>
struct awaiter_of {
    using type = A;
};

template <typename A>
    requires has_member_co_await<A>
struct awaiter_of<A> {
    using type = decltype(std::declval<A>().operator co_await());
};

// When both a member and a free operator co_await exist, a real co_await is
// ambiguous; the member wins here so the trait stays usable for diagnostics.
template <typename A>
    requires(!has_member_co_await<A> && has_free_co_await<A>)
struct awaiter_of<A> {
    using type = decltype(operator co_await(std::declval<A>()));
};

template <typename A>
using awaiter_of_t = typename awaiter_of<A>::type;

// Only await_ready and await_resume are checked: the parameter of await_suspend
// depends on the awaiting promise, which generic code does not know.
template <typename W>
concept awaiter = requires(W& w) {
    { w.await_ready() } -> std::convertible_to<bool>;
    w.await_resume();
};

template <typename A>
concept awaitable = awaiter<awaiter_of_t<A>>;

// The awaiter is named as an lvalue, as inside a co_await expression.
template <awaitable A>
using await_result_t = decltype(std::declval<awaiter_of_t<A>&>().await_resume());

}  // namespace interop::detail
