#include "interop/net/udp_socket.hpp"

namespace interop {

namespace detail {

void udp_bind_awaitable::bind_on(runtime_ref rt) noexcept {
    if (precheck == std::errc{}) {
        result.emplace(udp_socket::bind(rt, local));
    } else {
        result.emplace(precheck);
    }
}

io_result<udp_socket> udp_bind_awaitable::await_resume() noexcept { return std::move(*result); }

}  // namespace detail

detail::udp_bind_awaitable udp_socket::bind(std::string_view address) noexcept {
    if (auto ep = endpoint::parse(address)) return bind(*ep);
    return detail::udp_bind_awaitable{endpoint{}, std::errc::invalid_argument, std::nullopt};
}

io_result<udp_socket> udp_socket::bind(runtime_ref rt, const endpoint& local) noexcept {
    // A runtime without UDP may predate it, its table without the entries.
    if (!rt.has(cap_udp)) return std::errc::operation_not_supported;
    socket_handle s = nullptr;
    if (auto ec = rt.vtable->udp_bind(rt.self, local, &s)) return ec;
    return udp_socket{rt, s, local.address.kind()};
}

io_result<void> udp_socket::connect(const endpoint& peer) noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    if (peer.address.kind() != family_) return std::errc::address_family_not_supported;
    if (auto ec = rt_.vtable->udp_connect(rt_.self, socket_, peer)) return ec;
    connected_ = true;
    return {};
}

io_result<void> udp_socket::connect(std::string_view address) noexcept {
    if (auto ep = endpoint::parse(address)) return connect(*ep);
    return std::errc::invalid_argument;
}

detail::datagram_io<false> udp_socket::outgoing(std::span<const std::byte> data,
                                                const endpoint* peer) noexcept {
    std::errc precheck{};
    if (!usable()) {
        precheck = std::errc::bad_file_descriptor;
    } else if (peer != nullptr && peer->address.kind() != family_) {
        precheck = std::errc::address_family_not_supported;
    } else if (peer != nullptr && connected_) {
        // Linux would send it there anyway, libuv and the BSDs refuse: one answer.
        precheck = std::errc::already_connected;
    }
    // The adapter only reads through the pointer of a send.
    return detail::datagram_io<false>{
        op_kind::send_to, rt_,  socket_, const_cast<std::byte*>(data.data()),
        data.size(),      peer, precheck};
}

io_result<void> udp_socket::set_multicast_hops(int hops) noexcept {
    if (hops < 0 || hops > 255) return std::errc::invalid_argument;
    return set_option(udp_option::multicast_hops, hops);
}

io_result<void> udp_socket::set_unicast_hops(int hops) noexcept {
    if (hops < 1 || hops > 255) return std::errc::invalid_argument;
    return set_option(udp_option::unicast_hops, hops);
}

io_result<void> udp_socket::set_option(udp_option option, int value) noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    return rt_.vtable->udp_set_option(rt_.self, socket_, option, value);
}

io_result<void> udp_socket::membership(const ip_address& group, const ip_address& interface,
                                       bool join) noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    if (group.kind() != family_) return std::errc::address_family_not_supported;
    if (!rt_.has(cap_udp_multicast)) return std::errc::operation_not_supported;
    return rt_.vtable->udp_membership(rt_.self, socket_, group, interface, join);
}

io_result<void> udp_socket::set_multicast_interface(const ip_address& interface) noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    if (interface.kind() != family_) return std::errc::address_family_not_supported;
    if (!rt_.has(cap_udp_multicast)) return std::errc::operation_not_supported;
    return rt_.vtable->udp_multicast_interface(rt_.self, socket_, interface);
}

io_result<endpoint> udp_socket::local_endpoint() const noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = rt_.vtable->local_endpoint(rt_.self, socket_, &ep)) return ec;
    return ep;
}

io_result<endpoint> udp_socket::peer_endpoint() const noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = rt_.vtable->remote_endpoint(rt_.self, socket_, &ep)) return ec;
    return ep;
}

detail::ready_result<void> udp_socket::close() noexcept {
    release();
    return {io_result<void>{}};
}

void udp_socket::release() noexcept {
    if (socket_ != nullptr && lifetime_.alive()) detail::close_socket(rt_, socket_);
    socket_ = nullptr;
}

}  // namespace interop
