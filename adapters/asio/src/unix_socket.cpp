// Unix domain stream sockets: the primitives, and the socket object's side of them.
// The kit opens, binds and connects the AF_UNIX descriptors (posix_unix.hpp), so
// names, errors and a connect that never waits for a full backlog are those of every
// runtime; Asio's own connect would wait for room instead. The descriptor then goes to
// the TCP socket or acceptor (tcp_socket.hpp says why that is enough), and tcp.cpp's
// accept, read, write, shutdown_write and close serve it as they serve TCP. open_pair,
// two descriptors as two handles, serves pipe_open (pipe.cpp) too.
#include <unistd.h>

#include <utility>

#include <asio/bind_executor.hpp>
#include <asio/ip/tcp.hpp>

#include "errors.hpp"
#include "interop/runtime/posix_unix.hpp"
#include "runtime.hpp"
#include "tcp_socket.hpp"

namespace interop::asio_detail {
namespace {

namespace posix = kit::posix;

// The protocol Asio records for an assigned Unix descriptor. Only its type matters
// here: SOCK_STREAM makes a read of 0 bytes end of stream. Its family is never used,
// since nothing opens, binds or connects these sockets through Asio.
asio::ip::tcp recorded_protocol() noexcept { return asio::ip::tcp::v4(); }

}  // namespace

// --- the primitives ------------------------------------------------------------------

std::error_code runtime::unix_listen(const unix_address& local, int backlog,
                                     socket_handle* out) noexcept {
    *out = nullptr;
    if (stopped_.load(std::memory_order_acquire)) return canceled();
    tcp_socket* listener = new_socket();
    if (!listener) return out_of_memory();
    if (const std::error_code error = listener->listen_unix(local, backlog)) {
        listener->release();
        return error;
    }
    handle_given(listener);
    *out = listener;
    return {};
}

void runtime::unix_connect(unix_connect_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    tcp_socket* socket = new_socket();
    if (!socket) return op->complete(out_of_memory(), 0);
    socket->connect_unix(op);
}

std::error_code runtime::open_pair(socket_handle* first, socket_handle* second,
                                   std::error_code (*open)(int fds[2]) noexcept,
                                   std::error_code (tcp_socket::*adopt)(int fd) noexcept) noexcept {
    *first = *second = nullptr;
    if (stopped_.load(std::memory_order_acquire)) return canceled();
    tcp_socket* ends[2] = {new_socket(), new_socket()};
    const auto drop = [&ends] {
        for (tcp_socket* end : ends) {
            if (end) end->release();  // closes the descriptor it adopted
        }
    };
    if (!ends[0] || !ends[1]) {
        drop();
        return out_of_memory();
    }
    int fds[2] = {-1, -1};
    if (const std::error_code error = open(fds)) {
        drop();
        return error;
    }
    if (const std::error_code error = (ends[0]->*adopt)(fds[0])) {
        ::close(fds[1]);
        drop();
        return error;
    }
    if (const std::error_code error = (ends[1]->*adopt)(fds[1])) {
        drop();
        return error;
    }
    handle_given(ends[0]);
    handle_given(ends[1]);
    *first = ends[0];
    *second = ends[1];
    return {};
}

std::error_code runtime::unix_pair(socket_handle* first, socket_handle* second) noexcept {
    return open_pair(first, second, posix::open_unix_pair, &tcp_socket::adopt_unix_stream);
}

std::error_code runtime::unix_address_of(socket_handle s, bool peer, unix_address* out) noexcept {
    return s ? tcp_socket::from(s)->unix_address_of(peer, out) : bad_handle();
}

// --- setup and queries, on the socket object -----------------------------------------

// Before the handle is published, so no other thread can see the socket yet.
std::error_code tcp_socket::listen_unix(const unix_address& local, int backlog) noexcept {
    int fd = -1;
    if (const std::error_code error = posix::open_unix_listener(local, backlog, &fd)) return error;
    if (const std::error_code error = become_owner_of<asio::ip::tcp::acceptor>(rt_.context(), fd))
        return error;
    // Asio watches the descriptor from now on, and closes it.
    std::error_code ec;
    acceptor().assign(recorded_protocol(), fd, ec);
    if (ec) {
        ::close(fd);
        return to_interop_error(ec);
    }
    unix_ = true;
    // As for TCP (listen()): an aborted connection is skipped, and Asio's accept()
    // reports "would block" rather than waiting in poll().
    acceptor().set_option(asio::socket_base::enable_connection_aborted(true), ec);
    if (!ec) acceptor().non_blocking(true, ec);
    return to_interop_error(ec);
}

// Before the handle is published.
std::error_code tcp_socket::adopt_unix_stream(int fd) noexcept {
    std::error_code ec;
    connection().assign(recorded_protocol(), fd, ec);
    if (ec) {
        ::close(fd);
        return to_interop_error(ec);
    }
    unix_ = true;
    // The descriptor is non-blocking already; this tells Asio, whose write_some()
    // would otherwise wait in poll() for room instead of reporting "would block".
    connection().non_blocking(true, ec);
    return to_interop_error(ec);
}

std::error_code tcp_socket::unix_address_of(bool peer, unix_address* out) noexcept {
    const auto lock = lock_native();
    if (native_closed_) return bad_handle();
    if (!unix_) return std::make_error_code(std::errc::address_family_not_supported);
    return posix::unix_name(native_descriptor(), peer, out);
}

// --- connect -------------------------------------------------------------------------

void tcp_socket::connect_unix(unix_connect_operation* op) {
    // The operation's reference, which the handler takes over if the connect waits,
    // may be dropped on another thread before this call is done with the socket: keep
    // one of our own.
    add_ref();
    const socket_ref keep = socket_ref::adopt(this);
    int fd = -1;
    const posix::attempt started = posix::start_unix_connect(op->path, &fd);
    std::error_code error = started.error;
    if (!error) error = adopt_unix_stream(fd);
    if (error) {
        op->complete(error, 0);
        return release();  // the operation's reference
    }
    if (!started.would_block) {  // Linux: a Unix connect is made or refused at once
        rt_.handle_given(this);
        op->connected = this;  // the operation's reference becomes the handle's
        return op->complete({}, 0);
    }
    // A system that says "in progress": writable once it is made or refused. The
    // handler runs on the strand, in order with a cancel_now() that closes the socket
    // to abort the attempt, as for TCP (connect()).
    auto on_writable = [self = socket_ref::adopt(this), op,
                        key = rt_.park(op, this)](const std::error_code& ec) mutable {
        // Not claimed: the connect was cancelled, and the operation completed then.
        if (!self->rt_.claim(op, key)) return;
        std::error_code outcome = to_interop_error(ec);
        if (!outcome) outcome = self->unix_connect_outcome();
        if (outcome) return op->complete(outcome, 0);  // `self` drops the socket
        self->rt_.handle_given(self.operator->());
        op->connected = self.release();  // the reference becomes the handle's
        op->complete({}, 0);
    };
    const auto lock = lock_native();
    connection().async_wait(asio::socket_base::wait_write,
                            asio::bind_executor(strand_, std::move(on_writable)));
}

std::error_code tcp_socket::unix_connect_outcome() noexcept {
    const auto lock = lock_native();
    return native_closed_ ? canceled() : posix::connect_result(connection().native_handle());
}

}  // namespace interop::asio_detail
