/// \file
/// A compile-time guard against GCC 12's double destruction of aggregates built
/// inside a co_await expression.
///
/// GCC before 13 (bug 100611) destroys an aggregate temporary that owns resources
/// twice when it is initialised in the same full-expression as a co_await: a lambda
/// with a `std::string` or `std::shared_ptr` capture, passed straight to a function
/// whose result is awaited, frees its captures twice at run time. No signature on
/// the callee's side avoids it, so the functions whose result is only ever awaited
/// refuse such an argument at compile time on those compilers and say what to write.
#pragma once

#include <type_traits>

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#define INTEROP_GCC_DESTROYS_AWAITED_AGGREGATES_TWICE 1
#else
#define INTEROP_GCC_DESTROYS_AWAITED_AGGREGATES_TWICE 0
#endif

namespace interop::detail {

/// True when passing an `Arg&&` may be a temporary that GCC 12 destroys twice: an
/// rvalue whose destructor does something. Lvalues, reference captures and
/// `std::ref` wrappers are always fine.
template <typename Arg>
inline constexpr bool may_be_destroyed_twice =
    INTEROP_GCC_DESTROYS_AWAITED_AGGREGATES_TWICE && !std::is_lvalue_reference_v<Arg> &&
    !std::is_trivially_destructible_v<std::remove_cvref_t<Arg>>;

/// Fails to compile, with the remedy in the message, when `Arg` is such a temporary.
template <typename Arg>
constexpr void reject_awaited_owning_temporary() noexcept {
    static_assert(!may_be_destroyed_twice<Arg>,
                  "GCC 12 destroys a callable with owning captures twice when it is created "
                  "inside a co_await expression (GCC bug 100611, docs/compilers.md). Name it "
                  "first and pass the name: `auto body = [...](...) {...}; co_await "
                  "interop::with_scope(body);` (likewise serve and spawn_blocking), or "
                  "std::ref(body) for a move-only one. GCC 13 and Clang take the temporary.");
}

}  // namespace interop::detail
