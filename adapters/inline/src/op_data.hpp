// How the inline runtime uses operation::adapter_data while an operation is pending.
//
//   word 0  where it waits: its index in the timer heap (timer_index), the handle of
//           the socket it is connecting (connecting_on), or the background_job
//           running it (running_in)
//   words 1 and 2  its links in a wait_list (reads, writes, accepts)
//   word 3  its key in the registry of pending operations (registry_key_word),
//           written when it is parked, inside its start call, and not again while it
//           stays pending: cancel() reads it from any thread
//
// The words are only meaningful while the operation is pending; once its completion
// is queued the runtime never looks at them again.
#pragma once

#include <cstddef>

#include "interop/runtime/op_queue.hpp"
#include "interop/runtime/op_word.hpp"
#include "interop/runtime/pending_registry.hpp"
#include "interop/runtime/timer_heap.hpp"

namespace interop::inline_detail {

struct background_job;

using timer_index = kit::op_word<0, std::size_t>;
using connecting_on = kit::op_word<0, socket_handle>;
using running_in = kit::op_word<0, background_job*>;

// The operations waiting for the same event (a socket becoming readable, say).
using wait_list = kit::op_queue<kit::op_word<1, operation*>, kit::op_word<2, operation*>>;

using registry_key_word = kit::op_word<3, kit::registry_key>;
using registry = kit::pending_registry<registry_key_word>;

using timer_heap = kit::timer_heap<timer_index>;

}  // namespace interop::inline_detail
