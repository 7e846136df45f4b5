// UDP sockets over libuv's uv_udp_t: bind, connect, datagrams, options.
//
// Receiving is on only while a receive is pending: receive_from starts it
// (uv_udp_recv_start), on_datagram_alloc hands libuv that receive's buffer, and the
// first datagram or error stops it again before the receive completes. libuv reads
// no further in the same pass once receiving has stopped (it checks after each
// callback), so a datagram is never read without a receive to take it. A cancelled
// receive stops receiving too: the datagram that was about to come stays with the
// system for the next receive.
//
// Sending first tries uv_udp_try_send, which completes at once unless the send buffer
// is full; then uv_udp_send, with the socket's one embedded request, sends from the
// caller's buffer once there is room, and on_sent completes the send. libuv cannot
// take a queued send back, and need not: a UDP send buffer drains by itself (each
// datagram leaves or is dropped; no peer holds it up as a TCP peer can), so a cancel
// leaves the send to finish soon with what really happened. A TCP write has to copy
// its bytes to be cancellable; a send needs no copy.
//
// Options and multicast memberships are set on the descriptor with the adapter kit's
// posix_udp.hpp, which maps exactly to the contract (libuv's calls take addresses as
// strings and check ranges of their own).
#include <utility>

#include <sys/socket.h>

#include "errors.hpp"
#include "interop/runtime/posix_address.hpp"
#include "interop/runtime/posix_udp.hpp"
#include "loop.hpp"
#include "op_data.hpp"

namespace interop::libuv_detail {
namespace {

namespace posix = kit::posix;

// uv_buf_init would cut the size to an unsigned; on Unix the field holds all of it.
uv_buf_t buffer_of(std::byte* data, std::size_t size) noexcept {
    uv_buf_t buf{};
    buf.base = reinterpret_cast<char*>(data);
    buf.len = size;
    return buf;
}

std::error_code from_status(int status) noexcept {
    return status < 0 ? error_from_uv(status) : std::error_code{};
}

// What a setsockopt helper of the kit needs: the socket's descriptor.
template <typename Fn>
std::error_code on_descriptor(udp_socket* socket, Fn&& fn) noexcept {
    if (!socket) return bad_handle();
    uv_os_fd_t fd = -1;
    if (const int status = uv_fileno(socket->handle(), &fd); status < 0)
        return error_from_uv(status);
    return fn(fd);
}

}  // namespace

// --- the life of a socket ---------------------------------------------------------------

std::error_code loop::udp_bind(const endpoint& local, socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) return canceled();
    auto* socket = new (std::nothrow) udp_socket(*this);
    if (!socket) return out_of_memory();
    uv_udp_init(&uv_, &socket->udp);  // cannot fail: the OS socket comes with the bind
    socket->udp.data = socket;
    // An IPv6 socket is IPv6 only, as a listener is. No UV_UDP_REUSEADDR: a port in use
    // is address_in_use.
    const unsigned flags = local.address.is_v6() ? UV_UDP_IPV6ONLY : 0;
    int status = uv_udp_bind(&socket->udp, posix::to_sockaddr(local).get(), flags);
    if (status == 0) {
        try {
            socket->key = sockets_.add(socket);
        } catch (...) {
            status = UV_ENOMEM;
        }
    }
    if (status < 0) {
        uv_close(socket->handle(), &loop::on_udp_closed);
        return error_from_uv(status);
    }
    *out = socket->key;
    return {};
}

// As for TCP: the descriptor goes now, the pending operations learn about it from the
// run queue. A send that libuv still holds ends in on_sent with UV_ECANCELED.
void loop::close_udp(udp_socket* socket) noexcept {
    sockets_.remove(socket->key);
    socket->key = nullptr;
    if (datagram_operation* op = std::exchange(socket->receive_op, nullptr))
        finish(op, canceled(), 0);
    if (datagram_operation* op = std::exchange(socket->send_op, nullptr)) finish(op, canceled(), 0);
    uv_close(socket->handle(), &loop::on_udp_closed);
}

// For the destructor: the same without looking at the operations (see abandon_socket).
void loop::abandon_udp(udp_socket* socket) noexcept {
    sockets_.remove(socket->key);
    socket->key = nullptr;
    socket->receive_op = nullptr;
    socket->send_op = nullptr;
    uv_close(socket->handle(), &loop::on_udp_closed);
}

void loop::on_udp_closed(uv_handle_t* handle) { delete udp_socket::of(handle); }

std::error_code loop::udp_connect(socket_handle s, const endpoint& peer) noexcept {
    udp_socket* socket = find_udp(s);
    if (!socket) return bad_handle();
    const posix::socket_address to = posix::to_sockaddr(peer);
    const int status = uv_udp_connect(&socket->udp, to.get());
    // libuv refuses a second connect, where the system lets the peer change (and
    // disconnecting first could lose a port the system chose): connect the descriptor
    // again. libuv's own "connected" stays true, as it is.
    if (status == UV_EISCONN) {
        return on_descriptor(socket, [&](int fd) { return posix::udp_connect(fd, peer); });
    }
    return from_status(status);
}

udp_socket* loop::udp_for(datagram_operation* op,
                          datagram_operation* udp_socket::*pending) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return nullptr;
    udp_socket* socket = find_udp(op->socket);
    std::error_code refused;
    if (!socket) {
        refused = bad_handle();
    } else if (socket->*pending != nullptr) {
        refused = busy();  // the contract allows one pending send and one pending receive
    } else {
        return socket;
    }
    op->complete(refused, 0);
    return nullptr;
}

// --- receiving --------------------------------------------------------------------------

void loop::receive_from(datagram_operation* op) noexcept {
    udp_socket* socket = udp_for(op, &udp_socket::receive_op);
    if (socket == nullptr) return;
    // libuv would answer an empty buffer with UV_ENOBUFS; the core refuses it first.
    if (op->size == 0) return op->complete(std::make_error_code(std::errc::invalid_argument), 0);
    socket->receive_op = op;
    const int status =
        uv_udp_recv_start(&socket->udp, &loop::on_datagram_alloc, &loop::on_datagram);
    if (status < 0) {
        socket->receive_op = nullptr;
        return op->complete(error_from_uv(status), 0);
    }
    set_waits_on(op, socket);
    park(op);
}

void loop::stop_receiving(udp_socket* socket) noexcept {
    socket->receive_op = nullptr;
    uv_udp_recv_stop(&socket->udp);
}

// libuv asks for a buffer just before each recvmsg and reports into it right after,
// with no user code in between. Without a pending receive (which receiving stopped
// for, so this is only a safeguard) the empty buffer makes libuv read nothing and
// report UV_ENOBUFS.
void loop::on_datagram_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
    *buf = uv_buf_t{};
    if (datagram_operation* op = udp_socket::of(handle)->receive_op)
        *buf = buffer_of(op->data, op->size);
}

void loop::on_datagram(uv_udp_t* handle, ssize_t nread, const uv_buf_t*, const sockaddr* from,
                       unsigned flags) {
    // 0 bytes from nobody: the socket had nothing more to read (an empty datagram has
    // a sender).
    if (nread == 0 && from == nullptr) return;
    udp_socket* socket = udp_socket::of(handle);
    loop& self = *socket->owner;
    datagram_operation* op = socket->receive_op;
    // Stopped before the receive completes: the task may receive again from here, and
    // libuv then reads into that receive's buffer.
    self.stop_receiving(socket);
    if (op == nullptr) return;
    if (nread < 0) return self.finish(op, error_from_uv(static_cast<int>(nread)), 0);
    op->peer = endpoint{};
    if (from != nullptr) {
        const std::size_t length =
            from->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
        if (!posix::from_sockaddr(from, length, &op->peer)) op->peer = endpoint{};
    }
    // The rest of a datagram longer than the buffer is lost: say so.
    std::error_code error;
    if ((flags & UV_UDP_PARTIAL) != 0) error = std::make_error_code(std::errc::message_size);
    // As a TCP read does, the task resumes here, with the datagram still in the cache.
    self.finish_now(op, error, static_cast<std::size_t>(nread));
}

// --- sending ----------------------------------------------------------------------------

void loop::send_to(datagram_operation* op) noexcept {
    udp_socket* socket = udp_for(op, &udp_socket::send_op);
    if (socket == nullptr) return;
    const posix::socket_address to = posix::to_sockaddr(op->peer);
    // No peer on an unconnected socket: libuv says UV_EDESTADDRREQ.
    const sockaddr* peer = op->has_peer ? to.get() : nullptr;
    // libuv only reads through the pointer of a send.
    const uv_buf_t datagram = buffer_of(op->data, op->size);
    const int sent = uv_udp_try_send(&socket->udp, &datagram, 1, peer);
    if (sent >= 0) return op->complete({}, op->size);
    if (sent != UV_EAGAIN) return op->complete(error_from_uv(sent), 0);
    // The send buffer is full. libuv calls on_sent from the loop, never from inside
    // uv_udp_send. The send is not parked: there is nothing a cancel could do.
    const int status =
        uv_udp_send(&socket->send_req, &socket->udp, &datagram, 1, peer, &loop::on_sent);
    if (status < 0) return op->complete(error_from_uv(status), 0);
    socket->send_op = op;
}

void loop::on_sent(uv_udp_send_t* request, int status) {
    udp_socket* socket = udp_socket::of(request->handle);
    datagram_operation* op = std::exchange(socket->send_op, nullptr);
    if (!op) return;  // the socket is closing, and close_udp completed the send
    const std::size_t sent = status < 0 ? 0 : op->size;
    socket->owner->finish(op, from_status(status), sent);
}

// --- options ----------------------------------------------------------------------------

std::error_code loop::udp_set_option(socket_handle s, udp_option option, int value) noexcept {
    return on_descriptor(find_udp(s),
                         [&](int fd) { return posix::set_udp_option(fd, option, value); });
}

std::error_code loop::udp_membership(socket_handle s, const ip_address& group,
                                     const ip_address& interface, bool join) noexcept {
    return on_descriptor(find_udp(s), [&](int fd) {
        return posix::multicast_membership(fd, group, interface, join);
    });
}

std::error_code loop::udp_multicast_interface(socket_handle s,
                                              const ip_address& interface) noexcept {
    return on_descriptor(find_udp(s),
                         [&](int fd) { return posix::multicast_interface(fd, interface); });
}

}  // namespace interop::libuv_detail
