// Sockets: listen, accept, connect, close, and their addresses (of UDP sockets too).
#include <new>
#include <utility>

#include <sys/socket.h>
#include <unistd.h>

#include "errors.hpp"
#include "interop/runtime/posix_address.hpp"
#include "interop/runtime/posix_socket.hpp"
#include "loop.hpp"
#include "op_data.hpp"

namespace interop::libuv_detail {
namespace {

namespace posix = kit::posix;

// uv_tcp_getsockname and the like, for a uv_tcp_t or a uv_udp_t.
template <typename Handle>
std::error_code socket_name(int (*get)(const Handle*, sockaddr*, int*), const Handle* handle,
                            endpoint* out) noexcept {
    sockaddr_storage storage{};
    int length = sizeof storage;
    if (const int status = get(handle, reinterpret_cast<sockaddr*>(&storage), &length); status < 0)
        return error_from_uv(status);
    if (!posix::from_sockaddr(&storage, static_cast<std::size_t>(length), out))
        return std::make_error_code(std::errc::address_family_not_supported);
    return {};
}

}  // namespace

// --- the life of a socket ---------------------------------------------------------------

tcp_socket* loop::open_socket(tcp_socket::role role) noexcept {
    auto* socket = new (std::nothrow) tcp_socket(*this, role);
    if (!socket) return nullptr;
    uv_tcp_init(&uv_, &socket->tcp);  // cannot fail: the OS socket comes later
    socket->tcp.data = socket;
    try {
        socket->key = sockets_.add(socket);
    } catch (...) {
        uv_close(socket->handle(), &loop::on_socket_closed);
        return nullptr;
    }
    return socket;
}

// The descriptor goes now (uv_close closes it at once); the operations still pending
// on the socket learn about it from the run queue, never from inside close().
void loop::close_socket(tcp_socket* socket) noexcept {
    if (socket->key) {
        sockets_.remove(socket->key);
        socket->key = nullptr;
    }
    if (io_operation* op = std::exchange(socket->read_op, nullptr)) finish(op, canceled(), 0);
    if (io_operation* op = std::exchange(socket->write_op, nullptr)) finish(op, canceled(), 0);
    if (connect_operation* op = std::exchange(socket->connect_op, nullptr))
        finish(op, canceled(), 0);
    while (operation* op = socket->accepts.pop_front()) finish(op, canceled(), 0);
    close_handles(socket);
}

// The readiness watcher first: closing the uv_tcp_t closes the descriptor it watches.
void loop::close_handles(tcp_socket* socket) noexcept {
    if (socket->kind == tcp_socket::role::listener && socket->listening_fd >= 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(&socket->readiness), &loop::on_socket_closed);
    }
    uv_close(socket->handle(), &loop::on_socket_closed);
}

// For the destructor: the same without completing anything. The operations are not
// even looked at, since they may be gone by then.
void loop::abandon_socket(tcp_socket* socket) noexcept {
    sockets_.remove(socket->key);
    socket->key = nullptr;
    socket->read_op = nullptr;
    socket->write_op = nullptr;
    socket->connect_op = nullptr;
    socket->accepts = op_list{};
    close_handles(socket);
}

void loop::on_socket_closed(uv_handle_t* handle) {
    tcp_socket* socket = tcp_socket::of(handle);
    if (--socket->open_handles == 0) delete socket;
}

void loop::close(socket_handle s) noexcept {
    // Closing twice: nothing.
    if (tcp_socket* socket = find_socket(s)) return close_socket(socket);
    if (udp_socket* socket = find_udp(s)) close_udp(socket);
}

// --- listening and accepting ------------------------------------------------------------
//
// Listeners do not use libuv's uv_listen/uv_accept. When accept() fails for want of
// descriptors, libuv closes its reserved descriptor, accepts every waiting connection
// and closes it at once, so that clients see the server drop them rather than wait.
// interop's rule is the other one (runtime-interface.md): report the error, leave the
// connections in the backlog, and let the core back off. So the adapter creates,
// binds and listens on the socket itself (the adapter kit's posix_socket.hpp),
// watches it with a uv_poll_t while accepts wait, and accepts itself; uv_tcp_open
// then gives libuv each connection.

std::error_code loop::tcp_listen(const endpoint& local, int backlog, socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) return canceled();
    int fd = -1;
    if (const std::error_code error = posix::open_listener(local, backlog, &fd)) return error;
    tcp_socket* listener = open_socket(tcp_socket::role::listener);
    if (!listener) {
        ::close(fd);
        return out_of_memory();
    }
    // libuv owns the descriptor from here (and closes it with the handle); it is never
    // started as a stream, so the poll watcher is the only one on the descriptor.
    int status = uv_tcp_open(&listener->tcp, fd);
    if (status == 0) {
        listener->listening_fd = fd;
        status = uv_poll_init_socket(&uv_, &listener->readiness, fd);
        if (status == 0) {
            listener->readiness.data = listener;
            ++listener->open_handles;
        } else {
            listener->listening_fd = -1;  // no readiness handle to close
        }
    } else {
        ::close(fd);
    }
    if (status < 0) {
        close_socket(listener);
        return error_from_uv(status);
    }
    *out = listener->key;
    return {};
}

// An accept first tries accept4() (a connection that waits already is taken at once);
// otherwise it joins the listener's queue, which is served in order whenever the
// descriptor is readable. A queued accept calls accept4() only when it is served,
// never when it is cancelled, so a cancelled accept loses no connection.
void loop::tcp_accept(accept_operation* op) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return;
    tcp_socket* listener = find_socket(op->listener);
    if (!listener) return op->complete(bad_handle(), 0);
    if (listener->kind != tcp_socket::role::listener)
        return op->complete(std::make_error_code(std::errc::invalid_argument), 0);
    if (listener->accepts.empty()) {
        const accept_outcome outcome = accept_one(listener);
        if (!outcome.would_block) {
            op->accepted = outcome.handle;
            return op->complete(outcome.error, 0);
        }
    }
    listener->accepts.push_back(op);
    park(op);
    watch_listener(listener);
}

loop::accept_outcome loop::accept_one(tcp_socket* listener) noexcept {
    int fd = -1;
    const posix::attempt connection = posix::accept_once(listener->listening_fd, &fd);
    if (connection.would_block) return {true, {}, nullptr};
    // Out of descriptors or memory: reported as it is, the connections stay in the
    // backlog (the core backs off before it asks again).
    if (connection.error) return {false, connection.error, nullptr};
    tcp_socket* client = open_socket(tcp_socket::role::stream);
    if (!client) {
        ::close(fd);
        return {false, out_of_memory(), nullptr};
    }
    if (const int status = uv_tcp_open(&client->tcp, fd); status < 0) {
        ::close(fd);
        close_socket(client);
        return {false, error_from_uv(status), nullptr};
    }
    return {false, {}, client->key};
}

void loop::serve_accepts(tcp_socket* listener) noexcept {
    while (!listener->accepts.empty()) {
        const accept_outcome outcome = accept_one(listener);
        if (outcome.would_block) break;
        auto* op = static_cast<accept_operation*>(listener->accepts.pop_front());
        op->accepted = outcome.handle;
        finish(op, outcome.error, 0);
    }
    watch_listener(listener);
}

// Readiness is watched only while accepts wait: a listener nobody accepts on (or one
// whose accepts back off) must not wake the loop again and again.
void loop::watch_listener(tcp_socket* listener) noexcept {
    const bool wanted = !listener->accepts.empty();
    if (wanted == listener->polling) return;
    if (!wanted) {
        uv_poll_stop(&listener->readiness);
        listener->polling = false;
        return;
    }
    const int status = uv_poll_start(&listener->readiness, UV_READABLE, &loop::on_listener_ready);
    if (status < 0) return fail_accepts(listener, error_from_uv(status));
    listener->polling = true;
}

// The descriptor cannot be watched: every waiting accept hears why, rather than
// waiting for a readiness that will not come. The next accept tries again.
void loop::fail_accepts(tcp_socket* listener, std::error_code error) noexcept {
    while (operation* op = listener->accepts.pop_front()) finish(op, error, 0);
}

void loop::on_listener_ready(uv_poll_t* readiness, int status, int) {
    auto* listener = static_cast<tcp_socket*>(readiness->data);
    loop& self = *listener->owner;
    if (status < 0) {
        // libuv has stopped the watcher when it reports an error.
        uv_poll_stop(readiness);
        listener->polling = false;
        return self.fail_accepts(listener, error_from_uv(status));
    }
    self.serve_accepts(listener);
}

// --- connecting -----------------------------------------------------------------------

void loop::tcp_connect(connect_operation* op) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return;
    // The socket has a table entry from the start (so the destructor finds it), but
    // the core sees its handle only once the connection is made.
    tcp_socket* socket = open_socket(tcp_socket::role::connecting);
    if (!socket) return op->complete(out_of_memory(), 0);
    const int status = uv_tcp_connect(&socket->connect_req, &socket->tcp,
                                      posix::to_sockaddr(op->peer).get(), &loop::on_connected);
    if (status < 0) {
        close_socket(socket);
        return op->complete(error_from_uv(status), 0);
    }
    socket->connect_op = op;
    set_waits_on(op, socket);
    park(op);
}

void loop::on_connected(uv_connect_t* request, int status) {
    tcp_socket* socket = tcp_socket::of(request->handle);
    connect_operation* op = std::exchange(socket->connect_op, nullptr);
    if (!op) return;  // cancelled: the socket is closing, status is UV_ECANCELED
    loop& self = *socket->owner;
    if (status < 0) {
        self.close_socket(socket);
        return self.finish(op, error_from_uv(status), 0);
    }
    socket->kind = tcp_socket::role::stream;
    op->connected = socket->key;
    self.finish(op, {}, 0);
}

// --- addresses and options --------------------------------------------------------------

std::error_code loop::local_endpoint(socket_handle s, endpoint* out) noexcept {
    if (const tcp_socket* socket = find_socket(s))
        return socket_name(&uv_tcp_getsockname, &socket->tcp, out);
    if (const udp_socket* socket = find_udp(s))
        return socket_name(&uv_udp_getsockname, &socket->udp, out);
    return bad_handle();
}

// An unconnected UDP socket: UV_ENOTCONN, not_connected.
std::error_code loop::remote_endpoint(socket_handle s, endpoint* out) noexcept {
    if (const tcp_socket* socket = find_socket(s))
        return socket_name(&uv_tcp_getpeername, &socket->tcp, out);
    if (const udp_socket* socket = find_udp(s))
        return socket_name(&uv_udp_getpeername, &socket->udp, out);
    return bad_handle();
}

std::error_code loop::set_no_delay(socket_handle s, bool enabled) noexcept {
    tcp_socket* socket = find_socket(s);
    if (!socket) return bad_handle();
    const int status = uv_tcp_nodelay(&socket->tcp, enabled ? 1 : 0);
    return status < 0 ? error_from_uv(status) : std::error_code{};
}

}  // namespace interop::libuv_detail
