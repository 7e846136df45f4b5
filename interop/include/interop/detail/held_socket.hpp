// The core's count of the sockets and pipes it holds open on each runtime
// (core_slot::open_sockets, read by debug::metrics): a handle is counted when a core
// object takes it over, and uncounted when that object closes it while the runtime
// lives. A runtime destroyed first closes its sockets itself, and its count goes with it.
#pragma once

#include <atomic>

#include "interop/runtime/interface.hpp"

namespace interop::detail {

// Counts `s` (if any) and gives the lifetime its holder keeps.
inline runtime_lifetime adopt_socket(runtime_ref rt, socket_handle s) noexcept {
    if (s == nullptr) return {};
    core_slot* core = rt.vtable->core(rt.self);
    core->open_sockets.fetch_add(1, std::memory_order_relaxed);
    return core->lifetime();
}

// Closes `s`, which its holder adopted, once it has seen the runtime alive.
inline void close_socket(runtime_ref rt, socket_handle s) noexcept {
    rt.vtable->close(rt.self, s);
    rt.vtable->core(rt.self)->open_sockets.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace interop::detail
