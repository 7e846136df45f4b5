// The runtime_vtable: interop's core calls these, each forwards to the loop. The
// primitives tiny::runtime does not offer complete with operation_not_supported, and
// their capability bits stay clear.
#include "tiny_runtime.hpp"

#include "loop.hpp"

namespace tiny {
namespace {

using namespace interop;

loop& the(void* self) noexcept { return *static_cast<loop*>(self); }

void not_supported(operation* op) noexcept {
    op->complete(std::make_error_code(std::errc::operation_not_supported), 0);
}

constexpr runtime_vtable vtable = {
    .name = "tiny",
    .post = [](void* self, operation* op) noexcept { return the(self).post(op); },
    .in_runtime_thread = [](void* self) noexcept { return the(self).in_loop_thread(); },
    .now = [](void* self) noexcept { return the(self).now(); },
    .timer_start = [](void* self, timer_operation* op) noexcept { the(self).timer_start(op); },
    .cancel = [](void* self, operation* op) noexcept { the(self).cancel(op); },
    .tcp_listen = [](void* self, const endpoint& local, int backlog, socket_handle* out) noexcept {
        return the(self).tcp_listen(local, backlog, out);
    },
    .tcp_accept = [](void* self, accept_operation* op) noexcept { the(self).tcp_accept(op); },
    .tcp_connect = [](void* self, connect_operation* op) noexcept { the(self).tcp_connect(op); },
    .read = [](void* self, io_operation* op) noexcept { the(self).read(op); },
    .write = [](void* self, io_operation* op) noexcept { the(self).write(op); },
    .shutdown_write = [](void* self, socket_handle s) noexcept { return the(self).shutdown_write(s); },
    .close = [](void* self, socket_handle s) noexcept { the(self).close(s); },
    .local_endpoint = [](void* self, socket_handle s, endpoint* out) noexcept {
        return the(self).local_endpoint(s, out);
    },
    .remote_endpoint = [](void* self, socket_handle s, endpoint* out) noexcept {
        return the(self).remote_endpoint(s, out);
    },
    .set_no_delay = [](void* self, socket_handle s, bool on) noexcept { return the(self).set_no_delay(s, on); },
    .resolve = [](void*, resolve_operation* op) noexcept { not_supported(op); },
    .spawn_blocking = [](void*, blocking_operation* op) noexcept { not_supported(op); },
    .signal_watch = [](void*, int) noexcept { return std::make_error_code(std::errc::operation_not_supported); },
    .signal_wait = [](void*, signal_operation* op) noexcept { not_supported(op); },
    .core = [](void* self) noexcept { return the(self).core(); },
    .run = [](void* self) { the(self).run(); },
    .stop = [](void* self) noexcept {
        // While interop::run drives us, stopping means "cancel the tasks, then stop":
        // the core calls stop() again when they have finished.
        if (interop::core_takes_over_stop(the(self).core())) return;
        the(self).stop();
    },
    .capabilities = cap_ipv6,
};

}  // namespace

runtime::runtime() : loop_(std::make_unique<loop>()) {}
runtime::~runtime() = default;

// `self` is the loop itself: every entry reaches it without another indirection.
interop::runtime_ref runtime::ref() noexcept { return {&vtable, loop_.get()}; }

}  // namespace tiny
