// How the libuv runtime uses operation::adapter_data while an operation is pending.
//
//   word 0  where it waits: its index in the timer heap (timer_index), the socket it
//           reads, writes or connects on, or the thread-pool request running it
//           (waits_on), or the previous operation in an op_list (accepts, signal
//           waits)
//   word 1  the next operation in an op_list
//   word 2  its key in the registry of pending operations (registry_key_word); a
//           generation of 0 while the operation is not parked
//
// Word 2 is written when the operation is parked, inside its start call, and not
// again while it stays pending. That is what lets cancel() read it from another
// thread: the core registers its stop callback only after the start call returned.
#pragma once

#include <cstddef>
#include <cstdint>

#include "interop/runtime/op_queue.hpp"
#include "interop/runtime/op_word.hpp"
#include "interop/runtime/pending_registry.hpp"
#include "interop/runtime/timer_heap.hpp"

namespace interop::libuv_detail {

using where_word = kit::op_word<0, void*>;
using timer_index = kit::op_word<0, std::size_t>;
using registry_key_word = kit::op_word<2, kit::registry_key>;

template <typename T>
T* waits_on(const operation* op) noexcept {
    return static_cast<T*>(where_word::get(op));
}
inline void set_waits_on(operation* op, void* where) noexcept { where_word::set(op, where); }

// Pending operations in the order they started (accepts on a listener, signal waits).
using op_list = kit::op_queue<kit::op_word<0, operation*>, kit::op_word<1, operation*>>;

using timer_heap = kit::timer_heap<timer_index>;

}  // namespace interop::libuv_detail
