// The core's count of the sockets and pipes it holds open on each runtime
// (core_slot::open_sockets, read by debug::metrics), and their descriptors
// (core_slot::sockets, which task dumps name sockets by): a handle is counted and
// noted when a core object takes it over, and uncounted and forgotten when that
// object closes it while the runtime lives. A runtime destroyed first closes its
// sockets itself, and its count and table go with it.
#pragma once

#include <atomic>

#include "interop/runtime/interface.hpp"

namespace interop::detail {

// Out of line (interop/src/socket_table.cpp): once per socket, not per operation.
void remember_socket(core_slot& core, runtime_ref rt, socket_handle s) noexcept;
void forget_socket(core_slot& core, socket_handle s) noexcept;

// Counts `s` (if any) and gives the lifetime its holder keeps.
inline runtime_lifetime adopt_socket(runtime_ref rt, socket_handle s) noexcept {
    if (s == nullptr) return {};
    core_slot* core = rt.vtable->core(rt.self);
    core->open_sockets.fetch_add(1, std::memory_order_relaxed);
    remember_socket(*core, rt, s);
    return core->lifetime();
}

// Closes `s`, which its holder adopted, once it has seen the runtime alive.
inline void close_socket(runtime_ref rt, socket_handle s) noexcept {
    core_slot* core = rt.vtable->core(rt.self);
    // Forgotten first: a dump never asks about a descriptor already closed.
    forget_socket(*core, s);
    rt.vtable->close(rt.self, s);
    core->open_sockets.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace interop::detail
