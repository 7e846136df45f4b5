/// \file
/// The async iteration contract.
///
/// An async iterator `it` has `it.next()`, which returns an awaitable whose result
/// is std::optional<value_type>:
///   - a value is the next item;
///   - std::nullopt is the end, and once it has been returned every later next()
///     returns std::nullopt again (iterators are fused);
///   - an exception thrown while producing an item is rethrown from the co_await
///     of that next(); afterwards the iterator is at its end.
/// next() may be awaited again only after the previous next() has completed.
///
/// Consume one with
///
///     while (auto item = co_await it.next()) use(*item);
///
/// Iterators are movable objects. The combinators in interop::iter take them by
/// value (they own their source), so pass them as rvalues.
#pragma once

#include <concepts>
#include <optional>
#include <utility>

#include "interop/detail/await_result.hpp"

namespace interop {

/// An async iterator: `co_await it.next()` gives the next item, or std::nullopt
/// at the end. See the header's description for the whole contract.
template <typename I>
concept AsyncIterator = std::movable<I> && requires(I& it) {
    typename I::value_type;
    { it.next() } -> detail::awaitable;
    requires std::same_as<detail::await_result_t<decltype(it.next())>,
                          std::optional<typename I::value_type>>;
};

template <AsyncIterator I>
using iter_value_t = typename I::value_type;

}  // namespace interop
