/// \file
/// A UDP socket on the awaiting task's runtime.
///
///     auto socket = co_await interop::udp_socket::bind("127.0.0.1:0");
///     co_await socket->send_to(std::string_view("ping"), server);
///     std::array<char, 1500> buffer;
///     auto got = co_await socket->receive_from(buffer);  // got->size, got->peer
///
/// - Each send is one datagram, each receive takes one: boundaries are kept. An empty
///   datagram is a datagram (a receive of size 0 is not an end, UDP has none).
/// - A datagram longer than the receive buffer fills the buffer and fails the receive
///   with message_size, the rest of it lost: the same on every runtime, never a silent
///   truncation. An empty receive buffer is invalid_argument.
/// - A cancelled receive consumes no datagram: the next receive gets it.
/// - connect(peer) fixes the peer: send() goes there and only its datagrams arrive;
///   send_to() on a connected socket is already_connected.
///   On Linux an ICMP "port unreachable" from it fails the next send or receive with
///   connection_refused.
/// - A destination of the other address family than the socket's is
///   address_family_not_supported (an IPv6 socket is IPv6 only).
/// - One send and one receive may be pending at once; a second of either fails at
///   once with device_or_resource_busy.
/// - After close(), every use fails with bad_file_descriptor; closing twice is
///   harmless; like a stream, a socket may outlive its runtime.
/// - Needs a runtime with cap_udp (every built-in one); multicast membership needs
///   cap_udp_multicast. Without it: operation_not_supported.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "interop/context.hpp"
#include "interop/detail/held_socket.hpp"
#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/endpoint.hpp"
#include "interop/io_result.hpp"

namespace interop {

class udp_socket;

/// What receive_from reports: the datagram's length and its sender.
struct received_datagram {
    std::size_t size = 0;
    endpoint peer{};
};

namespace detail {

/// A send or receive of one datagram. WithPeer: a receive_from, whose result names the
/// sender.
template <bool WithPeer>
class datagram_io : public leaf_operation<datagram_operation, datagram_io<WithPeer>> {
public:
    static constexpr const char* operation_name = "interop::udp_socket send/receive";
    using result_type = std::conditional_t<WithPeer, received_datagram, std::size_t>;

    datagram_io(op_kind direction, runtime_ref rt, socket_handle s, std::byte* buffer,
                std::size_t length, const endpoint* to, std::errc precheck) noexcept
        : rt_(rt), precheck_(precheck) {
        fill(direction, s, buffer, length, to);
    }
    datagram_io(datagram_io&& other) noexcept : rt_(other.rt_), precheck_(other.precheck_) {
        const datagram_operation& o = other.op();
        fill(o.kind, o.socket, o.data, o.size, o.has_peer ? &o.peer : nullptr);
    }

    bool await_ready() const noexcept { return precheck_ != std::errc{}; }
    runtime_ref select_runtime(runtime_ref) const noexcept { return rt_; }
    void start(runtime_ref rt) noexcept {
        if (this->op().kind == op_kind::send_to) {
            rt.vtable->send_to(rt.self, &this->op());
        } else {
            rt.vtable->receive_from(rt.self, &this->op());
        }
    }
    io_result<result_type> await_resume() noexcept {
        if (precheck_ != std::errc{}) return precheck_;
        this->finish();
        if (this->error()) return this->error();
        if constexpr (WithPeer) {
            return received_datagram{this->transferred(), this->op().peer};
        } else {
            return this->transferred();
        }
    }

private:
    void fill(op_kind direction, socket_handle s, std::byte* buffer, std::size_t length,
              const endpoint* to) noexcept {
        datagram_operation& o = this->op();
        o.kind = direction;
        o.socket = s;
        o.data = buffer;
        o.size = length;
        o.has_peer = to != nullptr;
        if (to != nullptr) o.peer = *to;
    }

    runtime_ref rt_;
    std::errc precheck_;
};

struct udp_bind_awaitable;

}  // namespace detail

/// A UDP socket. See the top of this file.
class udp_socket {
public:
    udp_socket() noexcept = default;
    /// Takes over a UDP socket of `rt` bound to an address of `family`.
    udp_socket(runtime_ref rt, socket_handle s, ip_address::family family) noexcept
        : rt_(rt), socket_(s), lifetime_(detail::adopt_socket(rt, s)), family_(family) {}
    udp_socket(udp_socket&& other) noexcept
        : rt_(other.rt_),
          socket_(std::exchange(other.socket_, nullptr)),
          lifetime_(other.lifetime_),
          family_(other.family_),
          connected_(other.connected_) {}
    udp_socket& operator=(udp_socket&& other) noexcept {
        if (this != &other) {
            release();
            rt_ = other.rt_;
            socket_ = std::exchange(other.socket_, nullptr);
            lifetime_ = other.lifetime_;
            family_ = other.family_;
            connected_ = other.connected_;
        }
        return *this;
    }
    ~udp_socket() { release(); }

    /// Binds a new socket to `local` (port 0: any) on the awaiting task's runtime.
    static detail::udp_bind_awaitable bind(const endpoint& local) noexcept;
    /// "127.0.0.1:0", "[::]:5353"; anything else is invalid_argument.
    static detail::udp_bind_awaitable bind(std::string_view address) noexcept;
    /// Binds directly on a runtime, from outside a task.
    static io_result<udp_socket> bind(runtime_ref rt, const endpoint& local) noexcept;

    /// Fixes the peer (see the top of this file). Sends nothing.
    io_result<void> connect(const endpoint& peer) noexcept;
    /// A numeric address such as "127.0.0.1:53"; anything else is invalid_argument.
    io_result<void> connect(std::string_view address) noexcept;

    /// Sends one datagram to the connected peer; completes with its length.
    [[nodiscard]] detail::datagram_io<false> send(std::span<const std::byte> data) noexcept {
        return outgoing(data, nullptr);
    }
    [[nodiscard]] detail::datagram_io<false> send(std::string_view text) noexcept {
        return send(std::as_bytes(std::span(text.data(), text.size())));
    }
    /// Sends one datagram to `peer`; completes with its length.
    [[nodiscard]] detail::datagram_io<false> send_to(std::span<const std::byte> data,
                                                     const endpoint& peer) noexcept {
        return outgoing(data, &peer);
    }
    [[nodiscard]] detail::datagram_io<false> send_to(std::string_view text,
                                                     const endpoint& peer) noexcept {
        return send_to(std::as_bytes(std::span(text.data(), text.size())), peer);
    }

    /// Receives one datagram; completes with its length.
    [[nodiscard]] detail::datagram_io<false> receive(std::span<std::byte> buffer) noexcept {
        return incoming<false>(buffer);
    }
    [[nodiscard]] detail::datagram_io<false> receive(std::span<char> buffer) noexcept {
        return receive(std::as_writable_bytes(buffer));
    }
    /// Receives one datagram; completes with its length and its sender.
    [[nodiscard]] detail::datagram_io<true> receive_from(std::span<std::byte> buffer) noexcept {
        return incoming<true>(buffer);
    }
    [[nodiscard]] detail::datagram_io<true> receive_from(std::span<char> buffer) noexcept {
        return receive_from(std::as_writable_bytes(buffer));
    }

    io_result<void> set_broadcast(bool enabled) noexcept {
        return set_option(udp_option::broadcast, enabled ? 1 : 0);
    }
    io_result<void> set_multicast_loop(bool enabled) noexcept {
        return set_option(udp_option::multicast_loop, enabled ? 1 : 0);
    }
    /// The TTL (IPv4) or hop limit (IPv6) of multicast datagrams sent; 0 to 255.
    io_result<void> set_multicast_hops(int hops) noexcept;
    /// The TTL (IPv4) or hop limit (IPv6) of other datagrams sent; 1 to 255.
    io_result<void> set_unicast_hops(int hops) noexcept;
    /// Joins the multicast `group` on the interface with address `interface` (IPv4) or
    /// index `interface.scope_id()` (IPv6); the default lets the system choose.
    io_result<void> join_multicast(const ip_address& group,
                                   const ip_address& interface = {}) noexcept {
        return membership(group, interface, true);
    }
    io_result<void> leave_multicast(const ip_address& group,
                                    const ip_address& interface = {}) noexcept {
        return membership(group, interface, false);
    }

    /// Sends multicast datagrams out of the interface with address `interface` (IPv4)
    /// or index `interface.scope_id()` (IPv6).
    io_result<void> set_multicast_interface(const ip_address& interface) noexcept;

    io_result<endpoint> local_endpoint() const noexcept;
    /// The connected peer; not_connected before connect().
    io_result<endpoint> peer_endpoint() const noexcept;

    /// Releases the socket; pending operations complete with operation_canceled.
    [[nodiscard]] detail::ready_result<void> close() noexcept;
    /// Open, on a runtime that still exists.
    bool is_open() const noexcept { return usable(); }
    runtime_ref runtime() const noexcept { return rt_; }

private:
    bool usable() const noexcept { return socket_ != nullptr && lifetime_.alive(); }
    detail::datagram_io<false> outgoing(std::span<const std::byte> data,
                                        const endpoint* peer) noexcept;
    template <bool WithPeer>
    detail::datagram_io<WithPeer> incoming(std::span<std::byte> buffer) noexcept {
        std::errc precheck{};
        if (!usable()) {
            precheck = std::errc::bad_file_descriptor;
        } else if (buffer.empty()) {
            precheck = std::errc::invalid_argument;  // every datagram but an empty one truncated
        }
        return detail::datagram_io<WithPeer>{op_kind::receive_from, rt_,     socket_, buffer.data(),
                                             buffer.size(),         nullptr, precheck};
    }
    io_result<void> set_option(udp_option option, int value) noexcept;
    io_result<void> membership(const ip_address& group, const ip_address& interface,
                               bool join) noexcept;
    void release() noexcept;

    runtime_ref rt_{};
    socket_handle socket_ = nullptr;
    runtime_lifetime lifetime_;  // whether rt_ still exists
    ip_address::family family_ = ip_address::family::v4;
    bool connected_ = false;  // send_to is refused: systems disagree on what it would do
};

namespace detail {

struct udp_bind_awaitable {
    endpoint local;
    std::errc precheck;
    std::optional<io_result<udp_socket>> result;

    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        bind_on(runtime_of(awaiter, "interop::udp_socket::bind"));
        return false;
    }
    io_result<udp_socket> await_resume() noexcept;
    void bind_on(runtime_ref rt) noexcept;
};

}  // namespace detail

inline detail::udp_bind_awaitable udp_socket::bind(const endpoint& local) noexcept {
    return detail::udp_bind_awaitable{local, std::errc{}, std::nullopt};
}

}  // namespace interop
