/// \file
/// Typed access to one of an operation's adapter_data words.
///
/// An adapter gives each word it uses a name and a type once, in one place, and never
/// indexes adapter_data by hand:
///
///     using heap_index = interop::kit::op_word<0, std::size_t>;
///     heap_index::set(op, 3);
///     std::size_t i = heap_index::get(op);
///
/// A word holds any trivially copyable value up to the size of a pointer.
#pragma once

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "interop/runtime/interface.hpp"

/// The adapter kit: building blocks for runtime adapters, over the primitive
/// interface (`<interop/runtime/...>`).
namespace interop::kit {

inline constexpr std::size_t op_word_count = sizeof(operation::adapter_data) / sizeof(void*);

// NOLINTBEGIN(bugprone-sizeof-expression): T may be a pointer; its bytes are what is stored
/// Typed access to one of an operation's adapter_data words.
template <std::size_t Index, typename T>
struct op_word {
    static_assert(Index < op_word_count, "an operation has four adapter_data words");
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= sizeof(void*),
                  "a word holds a trivially copyable value no larger than a pointer");

    static constexpr std::size_t index = Index;

    static T get(const operation* op) noexcept {
        T value{};
        // Through void*: T may have default member initializers (it is trivially
        // copyable, which is all a byte copy needs).
        std::memcpy(static_cast<void*>(&value), &op->adapter_data[Index], sizeof(T));
        return value;
    }
    static void set(operation* op, T value) noexcept {
        std::memcpy(&op->adapter_data[Index], &value, sizeof(T));
    }
};
// NOLINTEND(bugprone-sizeof-expression)

}  // namespace interop::kit
