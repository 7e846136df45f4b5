/// \file
/// The runtime_vtable of an adapter class, generated.
///
/// An adapter writes one class whose member functions have the names and signatures
/// of the vtable's entries, without the `self` parameter, and gets its table with
///
///     constexpr interop::runtime_vtable vtable =
///         interop::kit::make_vtable<my_loop, interop::cap_ipv6>("mine");
///     interop::runtime_ref my_loop::ref() noexcept { return {&vtable, this}; }
///
/// `runtime_ref::self` is whatever pointer the entries are called with: each entry
/// casts it back to `my_loop*` and makes one call through it, so it must point at a
/// `my_loop`. Here that is the object itself; a class that owns its loop through a
/// pointer gives `{&vtable, loop_.get()}` instead. The services are optional: a class
/// without `resolve`, `spawn_blocking`, `signal_watch` and `signal_wait`, the UDP
/// entries, the multicast ones, the Unix socket ones, `pipe_open`, `pipe_adopt` or the
/// process ones gets entries that report operation_not_supported, and must not declare
/// the matching capability (checked at compile time). `file_call` is the exception: a
/// class without it but with `spawn_blocking` gets the kit's, which runs each request
/// on that pool (runtime/posix_file.hpp), and may declare cap_files. `try_write` is
/// set only for a class that declares cap_write_at_once (and then must have it); it
/// stays null otherwise, and the core writes with `write` alone.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include "interop/runtime/interface.hpp"
#include "interop/runtime/posix_file.hpp"

namespace interop::kit {

/// The entries every adapter provides.
template <typename A>
concept adapter_class = requires(A& a, operation* op, timer_operation* timer,
                                 accept_operation* accept, connect_operation* connect,
                                 io_operation* io, const endpoint& local, socket_handle s,
                                 endpoint* out, socket_handle* made) {
    { a.post(op) } -> std::same_as<bool>;
    { a.in_runtime_thread() } -> std::same_as<bool>;
    { a.now() } -> std::same_as<runtime_clock::time_point>;
    a.timer_start(timer);
    a.cancel(op);
    { a.tcp_listen(local, 0, made) } -> std::same_as<std::error_code>;
    a.tcp_accept(accept);
    a.tcp_connect(connect);
    a.read(io);
    a.write(io);
    { a.shutdown_write(s) } -> std::same_as<std::error_code>;
    a.close(s);
    { a.local_endpoint(s, out) } -> std::same_as<std::error_code>;
    { a.remote_endpoint(s, out) } -> std::same_as<std::error_code>;
    { a.set_no_delay(s, true) } -> std::same_as<std::error_code>;
    { a.native_handle(s) } -> std::same_as<int>;
    { a.core() } -> std::same_as<core_slot*>;
    a.run();
    a.stop();
};

template <typename A>
concept resolves = requires(A& a, resolve_operation* op) {
    a.resolve(op);
};
template <typename A>
concept offloads_blocking = requires(A& a, blocking_operation* op) {
    a.spawn_blocking(op);
};
template <typename A>
concept watches_signals = requires(A& a, signal_operation* op, int n) {
    { a.signal_watch(n) } -> std::same_as<std::error_code>;
    a.signal_wait(op);
};

template <typename A>
concept writes_at_once = requires(A& a, socket_handle s, const std::byte* data, std::size_t n) {
    { a.try_write(s, data, n) } -> std::same_as<std::size_t>;
};
template <typename A>
concept speaks_udp = requires(A& a, datagram_operation* op, const endpoint& e, socket_handle s,
                              socket_handle* made) {
    { a.udp_bind(e, made) } -> std::same_as<std::error_code>;
    { a.udp_connect(s, e) } -> std::same_as<std::error_code>;
    a.send_to(op);
    a.receive_from(op);
    { a.udp_set_option(s, udp_option::broadcast, 1) } -> std::same_as<std::error_code>;
};
template <typename A>
concept joins_multicast = requires(A& a, socket_handle s, const ip_address& group) {
    { a.udp_membership(s, group, group, true) } -> std::same_as<std::error_code>;
    { a.udp_multicast_interface(s, group) } -> std::same_as<std::error_code>;
};

template <typename A>
concept speaks_unix = requires(A& a, unix_connect_operation* op, const unix_address& local,
                               socket_handle s, socket_handle* made, unix_address* out) {
    { a.unix_listen(local, 0, made) } -> std::same_as<std::error_code>;
    a.unix_connect(op);
    { a.unix_pair(made, made) } -> std::same_as<std::error_code>;
    { a.unix_address_of(s, true, out) } -> std::same_as<std::error_code>;
};

template <typename A>
concept opens_pipes = requires(A& a, socket_handle* made) {
    { a.pipe_open(made, made) } -> std::same_as<std::error_code>;
};

template <typename A>
concept adopts_pipes = requires(A& a, socket_handle* made) {
    { a.pipe_adopt(3, made) } -> std::same_as<std::error_code>;
};

template <typename A>
concept spawns_processes = requires(A& a, const process_spec& spec, process_spawned* out,
                                    process_wait_operation* op, process_handle p) {
    { a.process_spawn(spec, out) } -> std::same_as<std::error_code>;
    a.process_wait(op);
    { a.process_kill(p, 9) } -> std::same_as<std::error_code>;
    a.process_release(p);
};

template <typename A>
concept calls_files = requires(A& a, file_operation* op) {
    a.file_call(op);
};

namespace detail {

template <typename A>
A& of(void* self) noexcept {
    return *static_cast<A*>(self);
}

inline std::error_code not_supported() noexcept {
    return std::make_error_code(std::errc::operation_not_supported);
}
inline void complete_not_supported(operation* op) noexcept { op->complete(not_supported(), 0); }

}  // namespace detail

/// The runtime_vtable of adapter class `A`, declaring `Capabilities`, named `name`.
template <adapter_class A, std::uint32_t Capabilities>
constexpr runtime_vtable make_vtable(const char* name) noexcept {
    static_assert((Capabilities & cap_resolve) == 0 || resolves<A>,
                  "declares cap_resolve but has no resolve(resolve_operation*)");
    static_assert((Capabilities & cap_blocking_offload) == 0 || offloads_blocking<A>,
                  "declares cap_blocking_offload but has no spawn_blocking(blocking_operation*)");
    static_assert(
        (Capabilities & cap_signals) == 0 || watches_signals<A>,
        "declares cap_signals but has no signal_watch(int) and signal_wait(signal_operation*)");
    static_assert((Capabilities & cap_write_at_once) == 0 || writes_at_once<A>,
                  "declares cap_write_at_once but has no try_write(socket_handle, const "
                  "std::byte*, std::size_t)");
    static_assert((Capabilities & cap_udp) == 0 || speaks_udp<A>,
                  "declares cap_udp but has no udp_bind, udp_connect, send_to, receive_from "
                  "and udp_set_option");
    static_assert(
        (Capabilities & cap_udp_multicast) == 0 || joins_multicast<A>,
        "declares cap_udp_multicast but has no udp_membership and udp_multicast_interface");
    static_assert((Capabilities & cap_unix) == 0 || speaks_unix<A>,
                  "declares cap_unix but has no unix_listen, unix_connect, unix_pair and "
                  "unix_address_of");
    static_assert((Capabilities & cap_pipe) == 0 || opens_pipes<A>,
                  "declares cap_pipe but has no pipe_open");
    static_assert((Capabilities & cap_stdio) == 0 || adopts_pipes<A>,
                  "declares cap_stdio but has no pipe_adopt");
    static_assert((Capabilities & cap_process) == 0 || spawns_processes<A>,
                  "declares cap_process but has no process_spawn, process_wait, process_kill "
                  "and process_release");
    static_assert((Capabilities & cap_files) == 0 || calls_files<A> || offloads_blocking<A>,
                  "declares cap_files but has neither file_call(file_operation*) nor "
                  "spawn_blocking(blocking_operation*)");
    using detail::of;
    runtime_vtable v{
        .name = name,
        .post = [](void* self, operation* op) noexcept { return of<A>(self).post(op); },
        .in_runtime_thread = [](void* self) noexcept { return of<A>(self).in_runtime_thread(); },
        .now = [](void* self) noexcept { return of<A>(self).now(); },
        .timer_start = [](void* self,
                          timer_operation* op) noexcept { of<A>(self).timer_start(op); },
        .cancel = [](void* self, operation* op) noexcept { of<A>(self).cancel(op); },
        .tcp_listen =
            [](void* self, const endpoint& local, int backlog, socket_handle* out) noexcept {
                return of<A>(self).tcp_listen(local, backlog, out);
            },
        .tcp_accept = [](void* self, accept_operation* op) noexcept { of<A>(self).tcp_accept(op); },
        .tcp_connect = [](void* self,
                          connect_operation* op) noexcept { of<A>(self).tcp_connect(op); },
        .read = [](void* self, io_operation* op) noexcept { of<A>(self).read(op); },
        .write = [](void* self, io_operation* op) noexcept { of<A>(self).write(op); },
        .shutdown_write = [](void* self,
                             socket_handle s) noexcept { return of<A>(self).shutdown_write(s); },
        .close = [](void* self, socket_handle s) noexcept { of<A>(self).close(s); },
        .local_endpoint = [](void* self, socket_handle s,
                             endpoint* out) noexcept { return of<A>(self).local_endpoint(s, out); },
        .remote_endpoint =
            [](void* self, socket_handle s, endpoint* out) noexcept {
                return of<A>(self).remote_endpoint(s, out);
            },
        .set_no_delay = [](void* self, socket_handle s,
                           bool enabled) noexcept { return of<A>(self).set_no_delay(s, enabled); },
        .native_handle = [](void* self,
                            socket_handle s) noexcept { return of<A>(self).native_handle(s); },
        .udp_bind = [](void*, const endpoint&,
                       socket_handle*) noexcept { return detail::not_supported(); },
        .udp_connect = [](void*, socket_handle,
                          const endpoint&) noexcept { return detail::not_supported(); },
        .send_to = [](void*,
                      datagram_operation* op) noexcept { detail::complete_not_supported(op); },
        .receive_from = [](void*,
                           datagram_operation* op) noexcept { detail::complete_not_supported(op); },
        .udp_set_option = [](void*, socket_handle, udp_option,
                             int) noexcept { return detail::not_supported(); },
        .udp_membership = [](void*, socket_handle, const ip_address&, const ip_address&,
                             bool) noexcept { return detail::not_supported(); },
        .udp_multicast_interface =
            [](void*, socket_handle, const ip_address&) noexcept {
                return detail::not_supported();
            },
        .unix_listen = [](void*, const unix_address&, int,
                          socket_handle*) noexcept { return detail::not_supported(); },
        .unix_connect =
            [](void*, unix_connect_operation* op) noexcept { detail::complete_not_supported(op); },
        .unix_pair = [](void*, socket_handle*,
                        socket_handle*) noexcept { return detail::not_supported(); },
        .unix_address_of = [](void*, socket_handle, bool,
                              unix_address*) noexcept { return detail::not_supported(); },
        .pipe_open = [](void*, socket_handle*,
                        socket_handle*) noexcept { return detail::not_supported(); },
        .pipe_adopt = [](void*, int, socket_handle*) noexcept { return detail::not_supported(); },
        .process_spawn = [](void*, const process_spec&,
                            process_spawned*) noexcept { return detail::not_supported(); },
        .process_wait =
            [](void*, process_wait_operation* op) noexcept { detail::complete_not_supported(op); },
        .process_kill = [](void*, process_handle, int) noexcept { return detail::not_supported(); },
        .process_release = [](void*, process_handle) noexcept {},
        .file_call = [](void*, file_operation* op) noexcept { detail::complete_not_supported(op); },
        .resolve = [](void*,
                      resolve_operation* op) noexcept { detail::complete_not_supported(op); },
        .spawn_blocking =
            [](void*, blocking_operation* op) noexcept { detail::complete_not_supported(op); },
        .signal_watch = [](void*, int) noexcept { return detail::not_supported(); },
        .signal_wait = [](void*,
                          signal_operation* op) noexcept { detail::complete_not_supported(op); },
        .core = [](void* self) noexcept { return of<A>(self).core(); },
        .run = [](void* self) { of<A>(self).run(); },
        .stop = [](void* self) noexcept { of<A>(self).stop(); },
        .capabilities = Capabilities,
    };
    // Only when declared: the core takes the fast path wherever the entry is set, and
    // the suite checks it wherever the capability is.
    if constexpr ((Capabilities & cap_write_at_once) != 0) {
        v.try_write = [](void* self, socket_handle s, const std::byte* data,
                         std::size_t n) noexcept { return of<A>(self).try_write(s, data, n); };
    }
    if constexpr (speaks_udp<A>) {
        v.udp_bind = [](void* self, const endpoint& local, socket_handle* out) noexcept {
            return of<A>(self).udp_bind(local, out);
        };
        v.udp_connect = [](void* self, socket_handle s, const endpoint& peer) noexcept {
            return of<A>(self).udp_connect(s, peer);
        };
        v.send_to = [](void* self, datagram_operation* op) noexcept { of<A>(self).send_to(op); };
        v.receive_from = [](void* self, datagram_operation* op) noexcept {
            of<A>(self).receive_from(op);
        };
        v.udp_set_option = [](void* self, socket_handle s, udp_option o, int value) noexcept {
            return of<A>(self).udp_set_option(s, o, value);
        };
    }
    if constexpr (joins_multicast<A>) {
        v.udp_membership = [](void* self, socket_handle s, const ip_address& group,
                              const ip_address& interface, bool join) noexcept {
            return of<A>(self).udp_membership(s, group, interface, join);
        };
        v.udp_multicast_interface = [](void* self, socket_handle s,
                                       const ip_address& interface) noexcept {
            return of<A>(self).udp_multicast_interface(s, interface);
        };
    }
    if constexpr (speaks_unix<A>) {
        v.unix_listen = [](void* self, const unix_address& local, int backlog,
                           socket_handle* out) noexcept {
            return of<A>(self).unix_listen(local, backlog, out);
        };
        v.unix_connect = [](void* self, unix_connect_operation* op) noexcept {
            of<A>(self).unix_connect(op);
        };
        v.unix_pair = [](void* self, socket_handle* first, socket_handle* second) noexcept {
            return of<A>(self).unix_pair(first, second);
        };
        v.unix_address_of = [](void* self, socket_handle s, bool peer, unix_address* out) noexcept {
            return of<A>(self).unix_address_of(s, peer, out);
        };
    }
    if constexpr (opens_pipes<A>) {
        v.pipe_open = [](void* self, socket_handle* reader, socket_handle* writer) noexcept {
            return of<A>(self).pipe_open(reader, writer);
        };
    }
    if constexpr (adopts_pipes<A>) {
        v.pipe_adopt = [](void* self, int fd, socket_handle* out) noexcept {
            return of<A>(self).pipe_adopt(fd, out);
        };
    }
    if constexpr (spawns_processes<A>) {
        v.process_spawn = [](void* self, const process_spec& spec, process_spawned* out) noexcept {
            return of<A>(self).process_spawn(spec, out);
        };
        v.process_wait = [](void* self, process_wait_operation* op) noexcept {
            of<A>(self).process_wait(op);
        };
        v.process_kill = [](void* self, process_handle p, int signal) noexcept {
            return of<A>(self).process_kill(p, signal);
        };
        v.process_release = [](void* self, process_handle p) noexcept {
            of<A>(self).process_release(p);
        };
    }
    if constexpr (calls_files<A>) {
        v.file_call = [](void* self, file_operation* op) noexcept { of<A>(self).file_call(op); };
    } else if constexpr (offloads_blocking<A>) {
        // The blocking pool runs the request; a cancel of the file operation goes to
        // the pool's operation.
        v.file_call = [](void* self, file_operation* op) noexcept {
            posix::file_call_on_pool(
                op, [self](blocking_operation* work) { of<A>(self).spawn_blocking(work); });
        };
        v.cancel = [](void* self, operation* op) noexcept {
            of<A>(self).cancel(posix::pool_cancel_target(op));
        };
    }
    if constexpr (resolves<A>) {
        v.resolve = [](void* self, resolve_operation* op) noexcept { of<A>(self).resolve(op); };
    }
    if constexpr (offloads_blocking<A>) {
        v.spawn_blocking = [](void* self, blocking_operation* op) noexcept {
            of<A>(self).spawn_blocking(op);
        };
    }
    if constexpr (watches_signals<A>) {
        v.signal_watch = [](void* self, int n) noexcept { return of<A>(self).signal_watch(n); };
        v.signal_wait = [](void* self, signal_operation* op) noexcept {
            of<A>(self).signal_wait(op);
        };
    }
    return v;
}

}  // namespace interop::kit
