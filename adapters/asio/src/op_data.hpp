// How the Asio runtime uses operation::adapter_data while an operation is pending.
//
//   word 0  where it waits: its index in the timer heap (timer_index), or the socket
//           it reads, writes, accepts or connects on (waits_on; null for a lookup or
//           blocking work)
//   word 1  its key in the registry of pending operations (registry_key_word)
//   words 2 and 3  its links in a listener's queue of accepts (accept_queue)
//
// Words 0 and 1 are written under the runtime's lock when the operation is parked,
// inside its start call, and not again while it stays pending: cancel() reads them
// from any thread under that lock, after the registry has shown the operation is
// still parked. Words 2 and 3 are touched only on the listener's strand.
#pragma once

#include <cstddef>

#include "interop/runtime/op_queue.hpp"
#include "interop/runtime/op_word.hpp"
#include "interop/runtime/pending_registry.hpp"
#include "interop/runtime/timer_heap.hpp"

namespace interop::asio_detail {

class tcp_socket;

using timer_index = kit::op_word<0, std::size_t>;
using waits_on = kit::op_word<0, tcp_socket*>;
using registry_key_word = kit::op_word<1, kit::registry_key>;

using registry = kit::pending_registry<registry_key_word>;
using timer_heap = kit::timer_heap<timer_index>;
using accept_queue = kit::op_queue<kit::op_word<2, operation*>, kit::op_word<3, operation*>>;

// Keys are never reused, so an equal key means the very same wait.
inline bool same_wait(registry::key a, registry::key b) noexcept {
    return a.index == b.index && a.generation == b.generation;
}

}  // namespace interop::asio_detail
