// UDP: sockets in the same table as TCP ones, whose sends and receives wait on the
// same lists and are served by the same readiness dispatch (loop_tcp.cpp). A waiting
// receive calls recvmsg() only when it is served, so a cancelled one takes no
// datagram.
#include "interop/runtime/posix_udp.hpp"
#include "loop.hpp"

namespace interop::inline_detail {
namespace {

namespace posix = kit::posix;

std::error_code bad_handle() noexcept {
    return std::make_error_code(std::errc::bad_file_descriptor);
}

}  // namespace

std::error_code loop::udp_bind(const endpoint& local, socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) return std::make_error_code(std::errc::operation_canceled);
    return posix::udp_bind(local, out,
                           [this](int fd) { return sockets_.add(fd, socket_kind::datagram); });
}

std::error_code loop::udp_connect(socket_handle s, const endpoint& peer) noexcept {
    const socket_slot* socket = sockets_.find(s, socket_kind::datagram);
    return socket ? posix::udp_connect(socket->fd, peer) : bad_handle();
}

void loop::send_to(datagram_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    socket_slot* socket = sockets_.find(op->socket, socket_kind::datagram);
    if (!socket) return op->complete(bad_handle(), 0);
    socket_slot::start(
        socket->writers, op, [&](operation*) { return posix::send_datagram_once(socket->fd, op); },
        [&](operation* o) { park_on(*socket, o); });
}

void loop::receive_from(datagram_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    socket_slot* socket = sockets_.find(op->socket, socket_kind::datagram);
    if (!socket) return op->complete(bad_handle(), 0);
    socket_slot::start(
        socket->readers, op,
        [&](operation*) { return posix::receive_datagram_once(socket->fd, op); },
        [&](operation* o) { park_on(*socket, o); });
}

std::error_code loop::udp_set_option(socket_handle s, udp_option option, int value) noexcept {
    const socket_slot* socket = sockets_.find(s, socket_kind::datagram);
    return socket ? posix::set_udp_option(socket->fd, option, value) : bad_handle();
}

std::error_code loop::udp_membership(socket_handle s, const ip_address& group,
                                     const ip_address& interface, bool join) noexcept {
    const socket_slot* socket = sockets_.find(s, socket_kind::datagram);
    return socket ? posix::multicast_membership(socket->fd, group, interface, join) : bad_handle();
}

std::error_code loop::udp_multicast_interface(socket_handle s,
                                              const ip_address& interface) noexcept {
    const socket_slot* socket = sockets_.find(s, socket_kind::datagram);
    return socket ? posix::multicast_interface(socket->fd, interface) : bad_handle();
}

}  // namespace interop::inline_detail
