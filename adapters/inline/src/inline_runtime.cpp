// interop::inline_runtime: runtime_ref::self is the loop, and the vtable is generated
// from it.
#include "interop/inline_runtime.hpp"

#include "interop/runtime/vtable.hpp"
#include "loop.hpp"

namespace interop {
namespace {

using inline_detail::loop;

constexpr std::uint32_t common_capabilities =
    cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals | cap_udp | cap_udp_multicast |
    cap_unix | cap_pipe | cap_stdio | cap_files | cap_process | cap_write_at_once;

// Two tables that differ only in what they declare: the capabilities are part of the
// table, and virtual time is chosen per instance.
constexpr runtime_vtable real_time_vtable = kit::make_vtable<loop, common_capabilities>("inline");
constexpr runtime_vtable virtual_time_vtable =
    kit::make_vtable<loop, common_capabilities | cap_virtual_time>("inline");

}  // namespace

inline_runtime::inline_runtime() : inline_runtime(options{}) {}

inline_runtime::inline_runtime(options opts)
    : loop_(std::make_unique<inline_detail::loop>(opts.virtual_time)) {}

inline_runtime::~inline_runtime() = default;

runtime_ref inline_runtime::ref() noexcept {
    return {loop_->virtual_time() ? &virtual_time_vtable : &real_time_vtable, loop_.get()};
}

void inline_runtime::run() { loop_->run(); }

void inline_runtime::stop() noexcept { request_stop(ref()); }

bool inline_runtime::uses_virtual_time() const noexcept { return loop_->virtual_time(); }

std::size_t inline_runtime::pending_operations() const noexcept {
    return loop_->pending_operations();
}

std::size_t inline_runtime::open_sockets() const noexcept { return loop_->open_sockets(); }

}  // namespace interop
