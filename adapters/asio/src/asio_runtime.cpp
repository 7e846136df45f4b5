// interop::asio_runtime and its runtime_vtable: each entry forwards to the runtime.
#include "interop/asio_runtime.hpp"

#include "runtime.hpp"

namespace interop {
namespace asio_detail {

// runtime_ref::self is the asio_runtime; the runtime sits behind one pointer.
struct runtime_access {
    static runtime& of(void* self) noexcept { return *static_cast<asio_runtime*>(self)->impl_; }
};

}  // namespace asio_detail

namespace {

using asio_detail::runtime;

runtime& from(void* self) noexcept { return asio_detail::runtime_access::of(self); }

constexpr std::uint32_t common_capabilities = cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals;

// Two tables that differ only in what they declare: several threads running the
// io_context is what makes completions concurrent.
constexpr runtime_vtable make_vtable(std::uint32_t capabilities) {
    return runtime_vtable{
        .name = "asio",
        .post = [](void* self, operation* op) noexcept { return from(self).post(op); },
        .in_runtime_thread = [](void* self) noexcept { return from(self).in_runtime_thread(); },
        .now = [](void* self) noexcept { return from(self).now(); },
        .timer_start = [](void* self, timer_operation* op) noexcept { from(self).timer_start(op); },
        .cancel = [](void* self, operation* op) noexcept { from(self).cancel(op); },
        .tcp_listen = [](void* self, const endpoint& local, int backlog, socket_handle* out) noexcept {
            return from(self).tcp_listen(local, backlog, out);
        },
        .tcp_accept = [](void* self, accept_operation* op) noexcept { from(self).tcp_accept(op); },
        .tcp_connect = [](void* self, connect_operation* op) noexcept { from(self).tcp_connect(op); },
        .read = [](void* self, io_operation* op) noexcept { from(self).read(op); },
        .write = [](void* self, io_operation* op) noexcept { from(self).write(op); },
        .shutdown_write = [](void* self, socket_handle s) noexcept { return from(self).shutdown_write(s); },
        .close = [](void* self, socket_handle s) noexcept { from(self).close(s); },
        .local_endpoint = [](void* self, socket_handle s, endpoint* out) noexcept {
            return from(self).local_endpoint(s, out);
        },
        .remote_endpoint = [](void* self, socket_handle s, endpoint* out) noexcept {
            return from(self).remote_endpoint(s, out);
        },
        .set_no_delay = [](void* self, socket_handle s, bool enabled) noexcept {
            return from(self).set_no_delay(s, enabled);
        },
        .resolve = [](void* self, resolve_operation* op) noexcept { from(self).resolve(op); },
        .spawn_blocking = [](void* self, blocking_operation* op) noexcept { from(self).spawn_blocking(op); },
        .signal_watch = [](void* self, int signum) noexcept { return from(self).signal_watch(signum); },
        .signal_wait = [](void* self, signal_operation* op) noexcept { from(self).signal_wait(op); },
        .core = [](void* self) noexcept { return from(self).core(); },
        .run = [](void* self) { from(self).run(); },
        .stop = [](void* self) noexcept {
            if (core_takes_over_stop(from(self).core())) return;
            from(self).stop();
        },
        .capabilities = capabilities,
    };
}

constexpr runtime_vtable single_threaded_vtable = make_vtable(common_capabilities);
constexpr runtime_vtable multi_threaded_vtable = make_vtable(common_capabilities | cap_multi_threaded);

}  // namespace

asio_runtime::asio_runtime() : asio_runtime(options{}) {}

asio_runtime::asio_runtime(options opts) : impl_(std::make_unique<runtime>(opts.threads)) {}

asio_runtime::~asio_runtime() = default;

runtime_ref asio_runtime::ref() noexcept {
    return {impl_->multi_threaded() ? &multi_threaded_vtable : &single_threaded_vtable, this};
}

asio::io_context& asio_runtime::context() noexcept { return impl_->context(); }

}  // namespace interop
