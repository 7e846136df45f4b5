// How the libuv runtime uses operation::adapter_data while an operation is pending.
//
//   adapter_data[0]  where it waits: its index in the timer heap, the socket it reads,
//                    writes or connects on, the thread-pool request running it, or the
//                    previous operation in an op_list (accepts, signal waits)
//   adapter_data[1]  the next operation in an op_list
//   adapter_data[2]  its slot in the registry of pending operations
//   adapter_data[3]  that slot's generation; 0 while the operation is not parked
//
// Words 2 and 3 are written when the operation is parked, inside its start call, and
// not again while it stays pending. That is what lets cancel() read them from another
// thread: the core registers its stop callback only after the start call returned.
#pragma once

#include <cstdint>

#include "interop/runtime_interface.hpp"

namespace interop::libuv_detail {

inline void* where_word(const operation* op) noexcept { return op->adapter_data[0]; }
inline void set_where_word(operation* op, void* where) noexcept { op->adapter_data[0] = where; }

template <typename T>
T* waits_on(const operation* op) noexcept {
    return static_cast<T*>(where_word(op));
}

inline std::uintptr_t word_as_number(const operation* op, int word) noexcept {
    return reinterpret_cast<std::uintptr_t>(op->adapter_data[word]);
}
inline void set_word_number(operation* op, int word, std::uintptr_t value) noexcept {
    op->adapter_data[word] = reinterpret_cast<void*>(value);
}

}  // namespace interop::libuv_detail
