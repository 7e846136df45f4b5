// interop::libuv_runtime and its runtime_vtable: each entry forwards to the loop.
#include "interop/libuv_runtime.hpp"

#include "loop.hpp"

namespace interop {
namespace libuv_detail {

struct runtime_access {
    static loop& of(void* self) noexcept { return *static_cast<libuv_runtime*>(self)->loop_; }
};

}  // namespace libuv_detail

namespace {

using libuv_detail::loop;

loop& from(void* self) noexcept { return libuv_detail::runtime_access::of(self); }

constexpr runtime_vtable vtable = {
    .name = "libuv",
    .post = [](void* self, operation* op) noexcept { return from(self).post(op); },
    .in_runtime_thread = [](void* self) noexcept { return from(self).in_loop_thread(); },
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
    .capabilities = cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals,
};

}  // namespace

libuv_runtime::libuv_runtime() : loop_(std::make_unique<libuv_detail::loop>()) {}

libuv_runtime::~libuv_runtime() = default;

runtime_ref libuv_runtime::ref() noexcept { return {&vtable, this}; }

uv_loop_t* libuv_runtime::loop() noexcept { return loop_->native(); }

}  // namespace interop
