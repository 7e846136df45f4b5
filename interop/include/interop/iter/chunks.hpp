/// \file
/// chunks: the items of a source gathered into vectors of n.
///
///     source | iter::chunks(3)     1 2 3 4 5 6 7  ->  [1 2 3] [4 5 6] [7]
///
/// Every chunk has n items except the last, which has what was left (never zero).
/// If the source fails, the partial chunk gathered so far is yielded first and the
/// exception is rethrown by the following next(). n = 0 is rejected with
/// std::invalid_argument when the combinator is built.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "interop/generator.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/detail/cooperate.hpp"
#include "interop/iter/detail/limit.hpp"
#include "interop/iter/pipe.hpp"

namespace interop::iter {

namespace detail {
template <AsyncIterator I>
generator<std::vector<iter_value_t<I>>> chunks_impl(I source, std::size_t size) {
    std::vector<iter_value_t<I>> chunk;
    for (;;) {
        std::exception_ptr failure;
        std::optional<iter_value_t<I>> item;
        try {
            auto pending = source.next();
            item = co_await std::move(pending);
        } catch (...) {
            failure = std::current_exception();
        }
        if (!item) {
            // The end or a failure: what was gathered goes out first.
            if (!chunk.empty()) {
                std::vector<iter_value_t<I>> rest = std::exchange(chunk, {});
                co_yield std::move(rest);
            }
            if (failure) std::rethrow_exception(failure);
            co_return;
        }
        chunk.push_back(std::move(*item));
        if (chunk.size() == size) {
            std::vector<iter_value_t<I>> full = std::exchange(chunk, {});
            co_yield std::move(full);
        }
        co_await cooperate();
    }
}
}  // namespace detail

/// The items of `source` gathered into vectors of `size`; the last one has what was left.
template <AsyncIterator I>
generator<std::vector<iter_value_t<I>>> chunks(I source, std::size_t size) {
    detail::checked_limit(size, "iter::chunks: the chunk size");
    return detail::chunks_impl(std::move(source), size);
}

/// chunks() without its source, for `source | iter::chunks(...)`.
inline auto chunks(std::size_t size) {
    detail::checked_limit(size, "iter::chunks: the chunk size");
    return adaptor{
        [size]<AsyncIterator I>(I source) { return detail::chunks_impl(std::move(source), size); }};
}

}  // namespace interop::iter
