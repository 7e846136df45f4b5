/// \file
/// Non-blocking UDP over POSIX sockets, for adapters that wait for readiness their own
/// way (as posix_socket.hpp is for TCP): each call tries once, never blocks, and
/// reports errno as a std::error_code in the generic category. The options and
/// memberships work on any UDP descriptor, whoever opened it (a libuv handle's too).
/// Include it only where <sys/socket.h> exists.
#pragma once

#include <cerrno>
#include <cstring>
#include <system_error>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "interop/endpoint.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/runtime/posix_address.hpp"
#include "interop/runtime/posix_socket.hpp"

namespace interop::kit::posix {

/// udp_bind of the contract: a new non-blocking UDP socket bound to `local` in *fd, or
/// an error and no socket. An IPv6 socket is IPv6 only, as a listener is.
inline std::error_code open_udp_socket(const endpoint& local, int* fd) noexcept {
    const int family = local.address.is_v6() ? AF_INET6 : AF_INET;
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
    *fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (*fd < 0) return last_error();
#else
    *fd = ::socket(family, SOCK_DGRAM, 0);
    if (*fd < 0) return last_error();
    if (!make_nonblocking_cloexec(*fd)) {
        const std::error_code error = last_error();
        ::close(*fd);
        *fd = -1;
        return error;
    }
#endif
    const int on = 1;
    const socket_address address = to_sockaddr(local);
    if ((local.address.is_v6() &&
         ::setsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
        ::bind(*fd, address.get(), address.length) != 0) {
        const std::error_code error = last_error();
        ::close(*fd);
        *fd = -1;
        return error;
    }
    return {};
}

/// udp_bind of the contract for a loop that waits for readiness: the socket is given
/// to the loop with add(fd), which returns its handle for *out.
template <typename Add>
std::error_code udp_bind(const endpoint& local, socket_handle* out, Add&& add) {
    *out = nullptr;
    int fd = -1;
    const std::error_code error = open_udp_socket(local, &fd);
    if (error) return error;
    return adopt(fd, out, add);
}

/// udp_connect of the contract. A UDP connect sends nothing: it only records the peer.
inline std::error_code udp_connect(int fd, const endpoint& peer) noexcept {
    const socket_address address = to_sockaddr(peer);
    if (::connect(fd, address.get(), address.length) == 0) return {};
    return last_error();
}

namespace detail {
inline bool is_ipv6_socket(int fd) noexcept {
    socket_address self;
    return ::getsockname(fd, self.get(), &self.length) == 0 && self.storage.ss_family == AF_INET6;
}
inline std::error_code set_int(int fd, int level, int name, int value) noexcept {
    if (::setsockopt(fd, level, name, &value, sizeof value) == 0) return {};
    return last_error();
}
}  // namespace detail

/// udp_set_option of the contract: the option for the socket's own family.
inline std::error_code set_udp_option(int fd, udp_option option, int value) noexcept {
    const bool v6 = detail::is_ipv6_socket(fd);
    switch (option) {
        case udp_option::broadcast:
            return detail::set_int(fd, SOL_SOCKET, SO_BROADCAST, value != 0 ? 1 : 0);
        case udp_option::multicast_loop:
            return v6 ? detail::set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, value != 0 ? 1 : 0)
                      : detail::set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, value != 0 ? 1 : 0);
        case udp_option::multicast_hops:
            return v6 ? detail::set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, value)
                      : detail::set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, value);
        case udp_option::unicast_hops:
            return v6 ? detail::set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, value)
                      : detail::set_int(fd, IPPROTO_IP, IP_TTL, value);
    }
    return std::make_error_code(std::errc::invalid_argument);
}

/// udp_membership of the contract.
inline std::error_code multicast_membership(int fd, const ip_address& group,
                                            const ip_address& interface, bool join) noexcept {
    if (group.is_v4()) {
        ip_mreq request{};
        std::memcpy(&request.imr_multiaddr, group.bytes().data(), 4);
        if (interface.is_v4()) std::memcpy(&request.imr_interface, interface.bytes().data(), 4);
        const int name = join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP;
        if (::setsockopt(fd, IPPROTO_IP, name, &request, sizeof request) == 0) return {};
        return last_error();
    }
    ipv6_mreq request{};
    std::memcpy(&request.ipv6mr_multiaddr, group.bytes().data(), 16);
    request.ipv6mr_interface = interface.is_v6() ? interface.scope_id() : 0;
    const int name = join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP;
    if (::setsockopt(fd, IPPROTO_IPV6, name, &request, sizeof request) == 0) return {};
    return last_error();
}

/// udp_multicast_interface of the contract.
inline std::error_code multicast_interface(int fd, const ip_address& interface) noexcept {
    if (interface.is_v4()) {
        in_addr address{};
        std::memcpy(&address, interface.bytes().data(), 4);
        if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &address, sizeof address) == 0) return {};
        return last_error();
    }
    return detail::set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF,
                           static_cast<int>(interface.scope_id()));
}

}  // namespace interop::kit::posix
