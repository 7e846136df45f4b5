/// \file
/// Pipe syntax for iterator combinators: `source | interop::iter::map(f)`.
///
/// A combinator called without its source returns an adaptor: a small object that
/// holds the combinator's arguments (by value) and applies them to a source later.
/// `source | adaptor` hands the source to the adaptor, and `adaptor | adaptor`
/// composes two adaptors into one, so a pipeline can be named and reused:
///
///     auto evens_squared = iter::filter(is_even) | iter::map(square);
///     auto v = co_await (numbers() | evens_squared | iter::collect());
///
/// The source is moved into the resulting iterator, which owns it from then on;
/// piping an lvalue iterator is rejected so that ownership moves visibly
/// (write std::move(it)).
#pragma once

#include <type_traits>
#include <utility>

#include "interop/iter/concepts.hpp"

/// Async iterator combinators, each callable on a source or through the pipe syntax.
namespace interop::iter {

/// A combinator without its source: holds its arguments and applies them to a
/// source later (`source | adaptor`).
template <typename Fn>
class adaptor {
public:
    explicit adaptor(Fn fn) noexcept(std::is_nothrow_move_constructible_v<Fn>)
        : fn_(std::move(fn)) {}

    template <typename I>
        requires AsyncIterator<std::remove_cvref_t<I>>
    friend auto operator|(I&& source, adaptor a) {
        static_assert(!std::is_lvalue_reference_v<I>,
                      "an adaptor takes ownership of its source: pipe std::move(it)");
        // The guard keeps the static_assert the only diagnostic for an lvalue.
        if constexpr (!std::is_lvalue_reference_v<I>) {
            return std::move(a.fn_)(std::remove_cvref_t<I>(std::forward<I>(source)));
        }
    }

    /// Composition: (a | b) applied to a source is b applied to (a applied to it).
    template <typename Gn>
    friend auto operator|(adaptor a, adaptor<Gn> b) {
        return iter::adaptor{
            [first = std::move(a), second = std::move(b)]<typename I>(I source) mutable {
                return std::move(second)(std::move(first)(std::move(source)));
            }};
    }

    /// Applies the adaptor to a source it takes ownership of.
    template <typename I>
    auto operator()(I source) && {
        return std::move(fn_)(std::move(source));
    }

private:
    Fn fn_;
};

/// Combinators build adaptors from lambdas, whose types can only be deduced.
template <typename Fn>
adaptor(Fn) -> adaptor<Fn>;

}  // namespace interop::iter
