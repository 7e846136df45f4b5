// interop::inline_runtime and its runtime_vtable: each entry forwards to the loop.
#include "interop/inline_runtime.hpp"

#include "loop.hpp"

namespace interop {
namespace inline_detail {

struct runtime_access {
    static loop& of(void* self) noexcept { return *static_cast<inline_runtime*>(self)->loop_; }
};

}  // namespace inline_detail

namespace {

using inline_detail::loop;

loop& from(void* self) noexcept { return inline_detail::runtime_access::of(self); }

constexpr std::uint32_t common_capabilities = cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals;

// Two tables that differ only in what they declare: the capabilities are part of the
// table, and virtual time is chosen per instance.
constexpr runtime_vtable make_vtable(std::uint32_t capabilities) {
    return runtime_vtable{
        .name = "inline",
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
        .stop = [](void* self) noexcept { static_cast<inline_runtime*>(self)->stop(); },
        .capabilities = capabilities,
    };
}

constexpr runtime_vtable real_time_vtable = make_vtable(common_capabilities);
constexpr runtime_vtable virtual_time_vtable = make_vtable(common_capabilities | cap_virtual_time);

}  // namespace

inline_runtime::inline_runtime() : inline_runtime(options{}) {}

inline_runtime::inline_runtime(options opts)
    : loop_(std::make_unique<inline_detail::loop>(opts.virtual_time)) {}

inline_runtime::~inline_runtime() = default;

runtime_ref inline_runtime::ref() noexcept {
    return {loop_->virtual_time() ? &virtual_time_vtable : &real_time_vtable, this};
}

void inline_runtime::run() { loop_->run(); }

void inline_runtime::stop() noexcept {
    if (core_takes_over_stop(loop_->core())) return;
    loop_->stop();
}

bool inline_runtime::uses_virtual_time() const noexcept { return loop_->virtual_time(); }

std::size_t inline_runtime::pending_operations() const noexcept { return loop_->pending_operations(); }

std::size_t inline_runtime::open_sockets() const noexcept { return loop_->open_sockets(); }

}  // namespace interop
