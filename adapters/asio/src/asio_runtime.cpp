// interop::asio_runtime: runtime_ref::self is the runtime behind it, and the vtable is
// generated from that.
#include "interop/asio_runtime.hpp"

#include "interop/runtime/vtable.hpp"
#include "runtime.hpp"

namespace interop {
namespace {

using asio_detail::runtime;

constexpr std::uint32_t common_capabilities = cap_ipv6 | cap_resolve | cap_blocking_offload |
                                              cap_signals | cap_udp | cap_udp_multicast | cap_unix |
                                              cap_pipe | cap_stdio | cap_files | cap_process;

// Two tables that differ only in what they declare: several threads running the
// io_context is what makes completions concurrent.
constexpr runtime_vtable single_threaded_vtable =
    kit::make_vtable<runtime, common_capabilities>("asio");
constexpr runtime_vtable multi_threaded_vtable =
    kit::make_vtable<runtime, common_capabilities | cap_multi_threaded>("asio");

}  // namespace

asio_runtime::asio_runtime() : asio_runtime(options{}) {}

asio_runtime::asio_runtime(options opts) : impl_(std::make_unique<runtime>(opts.threads)) {}

asio_runtime::~asio_runtime() = default;

runtime_ref asio_runtime::ref() noexcept {
    return {impl_->multi_threaded() ? &multi_threaded_vtable : &single_threaded_vtable,
            impl_.get()};
}

asio::io_context& asio_runtime::context() noexcept { return impl_->context(); }

}  // namespace interop
