// interop::libuv_runtime: runtime_ref::self is the loop, and the vtable is generated
// from it.
#include "interop/libuv_runtime.hpp"

#include "interop/runtime/vtable.hpp"
#include "loop.hpp"

namespace interop {
namespace {

constexpr std::uint32_t capabilities = cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals |
                                       cap_udp | cap_udp_multicast | cap_unix | cap_pipe |
                                       cap_stdio | cap_files | cap_process | cap_write_at_once;
constexpr runtime_vtable vtable = kit::make_vtable<libuv_detail::loop, capabilities>("libuv");

}  // namespace

libuv_runtime::libuv_runtime() : loop_(std::make_unique<libuv_detail::loop>()) {}

libuv_runtime::~libuv_runtime() = default;

runtime_ref libuv_runtime::ref() noexcept { return {&vtable, loop_.get()}; }

uv_loop_t* libuv_runtime::loop() noexcept { return loop_->native(); }

}  // namespace interop
