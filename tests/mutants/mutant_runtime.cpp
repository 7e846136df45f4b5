#include "mutant_runtime.hpp"

#include <unordered_map>

namespace interop::mutants {
namespace {

runtime_ref inner_of(void* self) noexcept {
    return mutant_runtime::of<mutant_runtime>(self).inner();
}

// Every entry forwards to the inner runtime.
constexpr runtime_vtable forwarding = {
    .name = "mutant",
    .post =
        [](void* s, operation* op) noexcept {
            auto r = inner_of(s);
            return r.vtable->post(r.self, op);
        },
    .in_runtime_thread =
        [](void* s) noexcept {
            auto r = inner_of(s);
            return r.vtable->in_runtime_thread(r.self);
        },
    .now =
        [](void* s) noexcept {
            auto r = inner_of(s);
            return r.vtable->now(r.self);
        },
    .timer_start =
        [](void* s, timer_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->timer_start(r.self, op);
        },
    .cancel =
        [](void* s, operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->cancel(r.self, op);
        },
    .tcp_listen =
        [](void* s, const endpoint& local, int backlog, socket_handle* out) noexcept {
            auto r = inner_of(s);
            return r.vtable->tcp_listen(r.self, local, backlog, out);
        },
    .tcp_accept =
        [](void* s, accept_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->tcp_accept(r.self, op);
        },
    .tcp_connect =
        [](void* s, connect_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->tcp_connect(r.self, op);
        },
    .read =
        [](void* s, io_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->read(r.self, op);
        },
    .write =
        [](void* s, io_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->write(r.self, op);
        },
    .shutdown_write =
        [](void* s, socket_handle h) noexcept {
            auto r = inner_of(s);
            return r.vtable->shutdown_write(r.self, h);
        },
    .close =
        [](void* s, socket_handle h) noexcept {
            auto r = inner_of(s);
            r.vtable->close(r.self, h);
        },
    .local_endpoint =
        [](void* s, socket_handle h, endpoint* out) noexcept {
            auto r = inner_of(s);
            return r.vtable->local_endpoint(r.self, h, out);
        },
    .remote_endpoint =
        [](void* s, socket_handle h, endpoint* out) noexcept {
            auto r = inner_of(s);
            return r.vtable->remote_endpoint(r.self, h, out);
        },
    .set_no_delay =
        [](void* s, socket_handle h, bool on) noexcept {
            auto r = inner_of(s);
            return r.vtable->set_no_delay(r.self, h, on);
        },
    .native_handle =
        [](void* s, socket_handle h) noexcept {
            auto r = inner_of(s);
            return r.vtable->native_handle(r.self, h);
        },
    .udp_bind =
        [](void* s, const endpoint& local, socket_handle* out) noexcept {
            auto r = inner_of(s);
            return r.vtable->udp_bind(r.self, local, out);
        },
    .udp_connect =
        [](void* s, socket_handle h, const endpoint& peer) noexcept {
            auto r = inner_of(s);
            return r.vtable->udp_connect(r.self, h, peer);
        },
    .send_to =
        [](void* s, datagram_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->send_to(r.self, op);
        },
    .receive_from =
        [](void* s, datagram_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->receive_from(r.self, op);
        },
    .udp_set_option =
        [](void* s, socket_handle h, udp_option option, int value) noexcept {
            auto r = inner_of(s);
            return r.vtable->udp_set_option(r.self, h, option, value);
        },
    .udp_membership =
        [](void* s, socket_handle h, const ip_address& group, const ip_address& interface,
           bool join) noexcept {
            auto r = inner_of(s);
            return r.vtable->udp_membership(r.self, h, group, interface, join);
        },
    .udp_multicast_interface =
        [](void* s, socket_handle h, const ip_address& interface) noexcept {
            auto r = inner_of(s);
            return r.vtable->udp_multicast_interface(r.self, h, interface);
        },
    .unix_listen =
        [](void* s, const unix_address& local, int backlog, socket_handle* out) noexcept {
            auto r = inner_of(s);
            return r.vtable->unix_listen(r.self, local, backlog, out);
        },
    .unix_connect =
        [](void* s, unix_connect_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->unix_connect(r.self, op);
        },
    .unix_pair =
        [](void* s, socket_handle* first, socket_handle* second) noexcept {
            auto r = inner_of(s);
            return r.vtable->unix_pair(r.self, first, second);
        },
    .unix_address_of =
        [](void* s, socket_handle h, bool peer, unix_address* out) noexcept {
            auto r = inner_of(s);
            return r.vtable->unix_address_of(r.self, h, peer, out);
        },
    .pipe_open =
        [](void* s, socket_handle* reader, socket_handle* writer) noexcept {
            auto r = inner_of(s);
            return r.vtable->pipe_open(r.self, reader, writer);
        },
    .pipe_adopt =
        [](void* s, int fd, socket_handle* out) noexcept {
            auto r = inner_of(s);
            return r.vtable->pipe_adopt(r.self, fd, out);
        },
    .process_spawn =
        [](void* s, const process_spec& spec, process_spawned* out) noexcept {
            auto r = inner_of(s);
            return r.vtable->process_spawn(r.self, spec, out);
        },
    .process_wait =
        [](void* s, process_wait_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->process_wait(r.self, op);
        },
    .process_kill =
        [](void* s, process_handle p, int signal) noexcept {
            auto r = inner_of(s);
            return r.vtable->process_kill(r.self, p, signal);
        },
    .process_release =
        [](void* s, process_handle p) noexcept {
            auto r = inner_of(s);
            r.vtable->process_release(r.self, p);
        },
    .file_call =
        [](void* s, file_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->file_call(r.self, op);
        },
    .resolve =
        [](void* s, resolve_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->resolve(r.self, op);
        },
    .spawn_blocking =
        [](void* s, blocking_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->spawn_blocking(r.self, op);
        },
    .signal_watch =
        [](void* s, int signum) noexcept {
            auto r = inner_of(s);
            return r.vtable->signal_watch(r.self, signum);
        },
    .signal_wait =
        [](void* s, signal_operation* op) noexcept {
            auto r = inner_of(s);
            r.vtable->signal_wait(r.self, op);
        },
    // The core slot is the mutant's own, so the inner runtime's stop() always stops:
    // a mutant that calls it acts like a loop that returns on its own.
    .core = [](void* s) noexcept { return mutant_runtime::of<mutant_runtime>(s).core(); },
    .run =
        [](void* s) {
            auto r = inner_of(s);
            r.vtable->run(r.self);
        },
    .stop =
        [](void* s) noexcept {
            auto r = inner_of(s);
            r.vtable->stop(r.self);
        },
    .capabilities = 0,
};

struct tapped {
    operation::complete_fn original;
    result_change change;
};

std::mutex taps_mutex;
std::unordered_map<operation*, tapped>& taps() {
    static std::unordered_map<operation*, tapped> t;
    return t;
}

void tapped_completion(operation* op, std::error_code ec, std::size_t n) noexcept {
    tapped t{};
    {
        std::lock_guard lock(taps_mutex);
        auto it = taps().find(op);
        t = it->second;
        taps().erase(it);
    }
    op->on_complete = t.original;
    t.change(op, ec, n);
    t.original(op, ec, n);
}

}  // namespace

mutant_runtime::mutant_runtime(const conformance::runtime_options& options)
    : inner_(std::in_place, inline_runtime::options{.virtual_time = options.virtual_time}),
      inner_ref_(inner_->ref()),
      entries_(forwarding) {
    entries_.name = "mutant";
    entries_.capabilities = inner_ref_.vtable->capabilities;
}

mutant_runtime::~mutant_runtime() = default;

operation::complete_fn swallow_completion(operation* op) noexcept {
    const operation::complete_fn original = op->on_complete;
    op->on_complete = [](operation*, std::error_code, std::size_t) noexcept {};
    return original;
}

void tap_completion(operation* op, result_change change) {
    if (op->on_complete == &tapped_completion) return;  // already tapped
    {
        std::lock_guard lock(taps_mutex);
        taps().insert_or_assign(op, tapped{op->on_complete, change});
    }
    op->on_complete = &tapped_completion;
}

}  // namespace interop::mutants
