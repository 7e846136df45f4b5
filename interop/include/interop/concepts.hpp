/// \file
/// The contracts generic code is written against. Each built-in type that models
/// one is checked with a static_assert in interop/src/concept_checks.cpp.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <type_traits>

#include "interop/detail/await_result.hpp"
#include "interop/io_result.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/runtime/interface.hpp"

namespace interop {

/// Something a task can `co_await` as an rvalue and move beforehand: what the
/// combinators (when_all, when_any, race) accept.
template <typename A>
concept Awaitable = detail::awaitable<A> && std::move_constructible<A> && !std::is_reference_v<A>;

/// An awaitable whose result converts to R.
template <typename A, typename R>
concept awaitable_of = requires {
    typename detail::await_result_t<A>;
}
&&std::convertible_to<detail::await_result_t<A>, R>;

/// s.read(buffer) reads at least one byte, or 0 at end of stream.
template <typename S>
concept AsyncRead = requires(S& s, std::span<std::byte> buffer) {
    { s.read(buffer) } -> awaitable_of<io_result<std::size_t>>;
};

/// s.write(buffer) writes at least one byte (0 only for an empty buffer).
template <typename S>
concept AsyncWrite = requires(S& s, std::span<const std::byte> buffer) {
    { s.write(buffer) } -> awaitable_of<io_result<std::size_t>>;
};

/// co_await s.close() releases the resource, flushing what must be flushed.
template <typename S>
concept AsyncClose = requires(S& s) {
    { s.close() } -> awaitable_of<io_result<void>>;
};

/// A timer source: sleep for a duration or until a deadline, read the clock.
template <typename T>
concept Timer = requires(T& t, runtime_clock::duration d, runtime_clock::time_point tp) {
    { t.sleep_for(d) } -> awaitable_of<io_result<void>>;
    { t.sleep_until(tp) } -> awaitable_of<io_result<void>>;
    { t.now() } -> std::convertible_to<runtime_clock::time_point>;
};

/// Something that starts a task and hands back a join handle.
template <typename S, typename Task>
concept Spawn = requires(S& s, Task t) {
    {s.spawn(std::move(t))};
};

/// Something that can be turned into a runtime_ref: an adapter object, or the ref itself.
template <typename R>
concept Runtime = requires(R& r) {
    { r.ref() } -> std::same_as<runtime_ref>;
};

}  // namespace interop
