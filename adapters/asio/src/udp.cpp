// The UDP primitives: check the runtime's state and the handle, then hand over to the
// socket object (udp_socket.cpp). A UDP socket is the same object as a TCP one, so
// close, local_endpoint and remote_endpoint (tcp.cpp) serve it too.
#include "errors.hpp"
#include "runtime.hpp"
#include "tcp_socket.hpp"

namespace interop::asio_detail {

std::error_code runtime::udp_bind(const endpoint& local, socket_handle* out) noexcept {
    *out = nullptr;
    if (stopped_.load(std::memory_order_acquire)) return canceled();
    tcp_socket* socket = new_socket();
    if (!socket) return out_of_memory();
    if (const std::error_code error = socket->bind_datagrams(local)) {
        socket->release();
        return error;
    }
    handle_given(socket);
    *out = socket;
    return {};
}

std::error_code runtime::udp_connect(socket_handle s, const endpoint& peer) noexcept {
    return s ? tcp_socket::from(s)->connect_datagrams(peer) : bad_handle();
}

void runtime::send_to(datagram_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    if (!op->socket) return op->complete(bad_handle(), 0);
    tcp_socket::from(op->socket)->send_to(op);
}

void runtime::receive_from(datagram_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    if (!op->socket) return op->complete(bad_handle(), 0);
    tcp_socket::from(op->socket)->receive_from(op);
}

std::error_code runtime::udp_set_option(socket_handle s, udp_option option, int value) noexcept {
    return s ? tcp_socket::from(s)->set_udp_option(option, value) : bad_handle();
}

std::error_code runtime::udp_membership(socket_handle s, const ip_address& group,
                                        const ip_address& interface, bool join) noexcept {
    return s ? tcp_socket::from(s)->multicast_membership(group, interface, join) : bad_handle();
}

std::error_code runtime::udp_multicast_interface(socket_handle s,
                                                 const ip_address& interface) noexcept {
    return s ? tcp_socket::from(s)->multicast_interface(interface) : bad_handle();
}

}  // namespace interop::asio_detail
