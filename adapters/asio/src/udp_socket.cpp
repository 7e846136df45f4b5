// The UDP side of the socket object: bind, connect, options, and send_to and
// receive_from, which wait for readiness with async_wait and then make the system call
// themselves on the descriptor (the kit's, posix_udp.hpp), as accepts do. A receive
// that waits calls recvmsg() only when its wait has fired and it was not cancelled,
// so a cancelled receive takes no datagram; and recvmsg() tells a datagram cut short
// by the buffer (MSG_TRUNC), which Asio's receive_from does not report.
#include <unistd.h>

#include <utility>

#include <asio/error.hpp>
#include <asio/post.hpp>

#include "interop/runtime/posix_udp.hpp"
#include "runtime.hpp"
#include "tcp_socket.hpp"

namespace interop::asio_detail {
namespace {

namespace posix = kit::posix;

std::error_code busy() noexcept { return std::make_error_code(std::errc::device_or_resource_busy); }

}  // namespace

template <typename Call>
std::error_code tcp_socket::on_datagram_socket(Call&& call) const noexcept {
    const auto lock = lock_native();
    if (native_closed_) return bad_handle();
    return std::forward<Call>(call)(udp_fd_);
}

// --- setup and queries ---------------------------------------------------------------

// Before the handle is published, so no other thread can see the socket yet.
std::error_code tcp_socket::bind_datagrams(const endpoint& local) noexcept {
    int fd = -1;
    if (const std::error_code error = posix::open_udp_socket(local, &fd)) return error;
    if (const std::error_code error = become_owner_of<asio::ip::udp::socket>(rt_.context(), fd))
        return error;
    // Asio watches the descriptor from now on, and closes it.
    std::error_code ec;
    datagram_socket().assign(local.address.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), fd,
                             ec);
    if (ec) {
        ::close(fd);
        return to_interop_error(ec);
    }
    udp_fd_ = fd;
    return {};
}

std::error_code tcp_socket::connect_datagrams(const endpoint& peer) noexcept {
    return on_datagram_socket([&](int fd) { return posix::udp_connect(fd, peer); });
}

std::error_code tcp_socket::set_udp_option(udp_option option, int value) noexcept {
    return on_datagram_socket([&](int fd) { return posix::set_udp_option(fd, option, value); });
}

std::error_code tcp_socket::multicast_membership(const ip_address& group,
                                                 const ip_address& interface, bool join) noexcept {
    return on_datagram_socket(
        [&](int fd) { return posix::multicast_membership(fd, group, interface, join); });
}

std::error_code tcp_socket::multicast_interface(const ip_address& interface) noexcept {
    return on_datagram_socket([&](int fd) { return posix::multicast_interface(fd, interface); });
}

std::error_code tcp_socket::local_datagram_endpoint(endpoint* out) const noexcept {
    return on_datagram_socket([&](int fd) { return posix::local_address(fd, out); });
}

std::error_code tcp_socket::remote_datagram_endpoint(endpoint* out) const noexcept {
    return on_datagram_socket([&](int fd) { return posix::peer_address(fd, out); });
}

// --- send_to and receive_from --------------------------------------------------------

tcp_socket::attempt tcp_socket::try_datagram(datagram_operation* op) noexcept {
    const auto lock = lock_native();
    if (native_closed_) return {false, canceled(), 0};
    const posix::attempt result = op->kind == op_kind::receive_from
                                      ? posix::receive_datagram_once(udp_fd_, op)
                                      : posix::send_datagram_once(udp_fd_, op);
    return {result.would_block, result.error, result.bytes};
}

void tcp_socket::send_to(datagram_operation* op) {
    // One send_to at a time, as for a stream's writes.
    if (!begin(write_busy_)) return op->complete(busy(), 0);
    const attempt result = try_datagram(op);
    if (!result.would_block) {
        end(write_busy_);
        return op->complete(result.error, result.bytes);
    }
    park_datagram(op);
}

void tcp_socket::receive_from(datagram_operation* op) {
    // One receive_from at a time: a second one trying recvmsg() now would take the
    // datagram the first one waits for.
    if (!begin(receive_busy_)) return op->complete(busy(), 0);
    // Called by the core, never by a wait that fired: nothing can cancel it yet.
    const attempt result = try_datagram(op);
    if (!result.would_block) {
        end(receive_busy_);
        return op->complete(result.error, result.bytes);
    }
    park_datagram(op);
}

void tcp_socket::park_datagram(datagram_operation* op) {
    rt_.park(op, this);
    if (serialized_here()) return start_datagram_op(op);
    // Through the strand, so a cancel (which goes there too, and comes later) finds the
    // operation in its slot.
    asio::post(strand_, recycled(multi_threaded_,
                                 [self = socket_ref(this), op] { self->start_datagram_op(op); }));
}

// --- on the strand -------------------------------------------------------------------

void tcp_socket::start_datagram_op(datagram_operation* op) {
    const bool receiving = op->kind == op_kind::receive_from;
    in_flight& slot = in_flight_of(receiving);
    // Empty: the busy flag lets one operation per direction through, and it holds the
    // flag until finish_datagram_op() has emptied the slot.
    slot.op = op;
    slot.key = registry::key_of(op);  // parked, so its key is settled
    slot.cancel_requested = false;
    wait_datagram(receiving);
}

void tcp_socket::wait_datagram(bool receiving) {
    {
        const auto lock = lock_native();
        if (!native_closed_) {
            start_native(
                in_flight_of(receiving),
                [&](auto&& h) {
                    datagram_socket().async_wait(
                        receiving ? asio::socket_base::wait_read : asio::socket_base::wait_write,
                        std::forward<decltype(h)>(h));
                },
                [self = socket_ref(this), receiving](const std::error_code& ec) {
                    self->on_datagram_ready(receiving, ec);
                });
            return;
        }
    }
    // Closed on another thread before the wait could start.
    finish_datagram_op(receiving, canceled(), 0);
}

void tcp_socket::on_datagram_ready(bool receiving, const std::error_code& ec) {
    in_flight& slot = in_flight_of(receiving);
    // Aborted: cancelled, or the socket closed. Either way nothing was received.
    if (ec) return finish_datagram_op(receiving, to_interop_error(ec), 0);
    if (slot.cancel_requested) return finish_datagram_op(receiving, canceled(), 0);
    const attempt result = try_datagram(static_cast<datagram_operation*>(slot.op));
    // Readiness that finds nothing (the system may report it spuriously): wait again.
    if (result.would_block) return wait_datagram(receiving);
    finish_datagram_op(receiving, result.error, result.bytes);
}

void tcp_socket::finish_datagram_op(bool receiving, std::error_code ec, std::size_t bytes) {
    in_flight& slot = in_flight_of(receiving);
    io_operation* op = std::exchange(slot.op, nullptr);
    end(receiving ? receive_busy_ : write_busy_);
    // May resume a task right here, which may start the next one on this socket.
    complete_parked(op, ec, bytes);
}

}  // namespace interop::asio_detail
