// Stream sockets: TCP listen and connect; accept and close of TCP and Unix sockets alike;
// addresses (of UDP sockets too).
#include <new>
#include <utility>

#include <fcntl.h>
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

stream_socket* loop::open_socket(stream_socket::role role, stream_socket::family family) noexcept {
    auto* socket = new (std::nothrow) stream_socket(*this, role, family);
    if (!socket) return nullptr;
    // Neither can fail: the OS socket comes later.
    if (family == stream_socket::family::tcp) {
        uv_tcp_init(&uv_, &socket->native.tcp);
    } else {
        uv_pipe_init(&uv_, &socket->native.pipe, 0);  // 0: no descriptor passing
    }
    socket->handle()->data = socket;
    try {
        socket->key = sockets_.add(socket);
    } catch (...) {
        uv_close(socket->handle(), &loop::on_socket_closed);
        return nullptr;
    }
    return socket;
}

stream_socket* loop::adopt(int& fd, stream_socket::role role, stream_socket::family family,
                           std::error_code* error) noexcept {
    // libuv never closes descriptors 0 to 2 (its stream close leaves stdio alone), which
    // a socket or pipe gets in a program that closed its stdio (a daemon): such a
    // descriptor is moved above them first, or it would outlive its close (and a pipe
    // whose writer is closed would never reach end of stream).
    if (fd <= STDERR_FILENO) {
        const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        const int saved = errno;
        ::close(fd);
        if (moved < 0) {
            *error = std::error_code(saved, std::generic_category());
            return nullptr;
        }
        fd = moved;
    }
    stream_socket* socket = open_socket(role, family);
    if (!socket) {
        ::close(fd);
        *error = out_of_memory();
        return nullptr;
    }
    const int status = family == stream_socket::family::tcp
                           ? uv_tcp_open(&socket->native.tcp, fd)
                           : uv_pipe_open(&socket->native.pipe, fd);
    if (status < 0) {
        ::close(fd);
        close_socket(socket);
        *error = error_from_uv(status);
        return nullptr;
    }
    return socket;
}

// Both descriptors of a pipe or socket pair as streams of the table, or neither.
std::error_code loop::adopt_pair(int fds[2], stream_socket::family family, socket_handle* first,
                                 socket_handle* second) noexcept {
    std::error_code error;
    stream_socket* one = adopt(fds[0], stream_socket::role::stream, family, &error);
    if (!one) {
        ::close(fds[1]);
        return error;
    }
    stream_socket* other = adopt(fds[1], stream_socket::role::stream, family, &error);
    if (!other) {
        close_socket(one);  // nothing is pending on it: completes nothing
        return error;
    }
    *first = one->key;
    *second = other->key;
    return {};
}

// The descriptor goes now (uv_close closes it at once); the operations still pending
// on the socket learn about it from the run queue, never from inside close().
void loop::close_socket(stream_socket* socket) noexcept {
    if (socket->key) {
        sockets_.remove(socket->key);
        socket->key = nullptr;
    }
    if (io_operation* op = std::exchange(socket->read_op, nullptr)) finish(op, canceled(), 0);
    if (io_operation* op = std::exchange(socket->write_op, nullptr)) finish(op, canceled(), 0);
    if (connect_operation* op = std::exchange(socket->connect_op, nullptr))
        finish(op, canceled(), 0);
    if (readiness_watch* watch = socket->watch.get())
        while (operation* op = watch->accepts.pop_front()) finish(op, canceled(), 0);
    close_handles(socket);
}

// The readiness watcher first: closing the stream handle closes the descriptor it watches.
void loop::close_handles(stream_socket* socket) noexcept {
    if (readiness_watch* watch = socket->watch.get(); watch && watch->readiness_open) {
        watch->readiness_open = false;
        uv_close(reinterpret_cast<uv_handle_t*>(&watch->readiness), &loop::on_socket_closed);
    }
    uv_close(socket->handle(), &loop::on_socket_closed);
}

// For the destructor: the same without completing anything. The operations are not
// even looked at, since they may be gone by then.
void loop::abandon_socket(stream_socket* socket) noexcept {
    sockets_.remove(socket->key);
    socket->key = nullptr;
    socket->read_op = nullptr;
    socket->write_op = nullptr;
    socket->connect_op = nullptr;
    if (socket->watch) socket->watch->accepts = op_list{};
    close_handles(socket);
}

void loop::on_socket_closed(uv_handle_t* handle) {
    stream_socket* socket = stream_socket::of(handle);
    if (--socket->open_handles == 0) delete socket;
}

void loop::close(socket_handle s) noexcept {
    // Closing twice: nothing.
    if (stream_socket* socket = find_socket(s)) return close_socket(socket);
    if (udp_socket* socket = find_udp(s)) close_udp(socket);
}

// The socket's readiness watcher on `fd`, initialised (not started): closing the socket
// closes it too. Null, with *error set, when that fails; the caller closes the socket.
readiness_watch* loop::open_watch(stream_socket* socket, int fd, std::error_code* error) noexcept {
    socket->watch.reset(new (std::nothrow) readiness_watch);
    readiness_watch* watch = socket->watch.get();
    if (!watch) {
        *error = out_of_memory();
        return nullptr;
    }
    if (const int status = uv_poll_init_socket(&uv_, &watch->readiness, fd); status < 0) {
        *error = error_from_uv(status);
        return nullptr;
    }
    watch->readiness.data = socket;
    watch->readiness_open = true;
    ++socket->open_handles;
    return watch;
}

// --- listening and accepting ------------------------------------------------------------
//
// Listeners do not use libuv's uv_listen/uv_accept. When accept() fails for want of
// descriptors, libuv closes its reserved descriptor, accepts every waiting connection
// and closes it at once, so that clients see the server drop them rather than wait.
// interop's rule is the other one (runtime-interface.md): report the error, leave the
// connections in the backlog, and let the core back off. So the adapter creates,
// binds and listens on the socket itself (the adapter kit's posix_socket.hpp, or
// posix_unix.hpp for a Unix listener), watches it with a uv_poll_t while accepts wait,
// and accepts itself; uv_tcp_open (uv_pipe_open) then gives libuv each connection.

std::error_code loop::tcp_listen(const endpoint& local, int backlog, socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) return canceled();
    int fd = -1;
    if (const std::error_code error = posix::open_listener(local, backlog, &fd)) return error;
    return listen_on(fd, stream_socket::family::tcp, out);
}

// libuv owns the listening descriptor from here (and closes it with the handle); it is
// never started as a stream, so the poll watcher is the only one on the descriptor.
std::error_code loop::listen_on(int fd, stream_socket::family family, socket_handle* out) noexcept {
    std::error_code error;
    stream_socket* listener = adopt(fd, stream_socket::role::listener, family, &error);
    if (!listener) return error;
    readiness_watch* watch = open_watch(listener, fd, &error);
    if (!watch) {
        close_socket(listener);
        return error;
    }
    watch->listening_fd = fd;
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
    stream_socket* listener = find_socket(op->listener);
    if (!listener || listener->kind != stream_socket::role::listener)
        return op->complete(bad_handle(), 0);
    if (listener->watch->accepts.empty()) {
        const accept_outcome outcome = accept_one(listener);
        if (!outcome.would_block) {
            op->accepted = outcome.handle;
            return op->complete(outcome.error, 0);
        }
    }
    listener->watch->accepts.push_back(op);
    park(op);
    watch_listener(listener);
}

loop::accept_outcome loop::accept_one(stream_socket* listener) noexcept {
    int fd = -1;
    const posix::attempt connection = posix::accept_once(listener->watch->listening_fd, &fd);
    if (connection.would_block) return {true, {}, nullptr};
    // Out of descriptors or memory: reported as it is, the connections stay in the
    // backlog (the core backs off before it asks again).
    if (connection.error) return {false, connection.error, nullptr};
    std::error_code error;
    stream_socket* client = adopt(fd, stream_socket::role::stream, listener->domain, &error);
    if (!client) return {false, error, nullptr};
    return {false, {}, client->key};
}

void loop::serve_accepts(stream_socket* listener) noexcept {
    op_list& accepts = listener->watch->accepts;
    while (!accepts.empty()) {
        const accept_outcome outcome = accept_one(listener);
        if (outcome.would_block) break;
        auto* op = static_cast<accept_operation*>(accepts.pop_front());
        op->accepted = outcome.handle;
        finish(op, outcome.error, 0);
    }
    watch_listener(listener);
}

// Readiness is watched only while accepts wait: a listener nobody accepts on (or one
// whose accepts back off) must not wake the loop again and again.
void loop::watch_listener(stream_socket* listener) noexcept {
    readiness_watch& watch = *listener->watch;
    const bool wanted = !watch.accepts.empty();
    if (wanted == watch.polling) return;
    if (!wanted) {
        uv_poll_stop(&watch.readiness);
        watch.polling = false;
        return;
    }
    const int status = uv_poll_start(&watch.readiness, UV_READABLE, &loop::on_listener_ready);
    if (status < 0) return fail_accepts(listener, error_from_uv(status));
    watch.polling = true;
}

// The descriptor cannot be watched: every waiting accept hears why, rather than
// waiting for a readiness that will not come. The next accept tries again.
void loop::fail_accepts(stream_socket* listener, std::error_code error) noexcept {
    while (operation* op = listener->watch->accepts.pop_front()) finish(op, error, 0);
}

void loop::on_listener_ready(uv_poll_t* readiness, int status, int) {
    auto* listener = static_cast<stream_socket*>(readiness->data);
    loop& self = *listener->owner;
    if (status < 0) {
        // libuv has stopped the watcher when it reports an error.
        uv_poll_stop(readiness);
        listener->watch->polling = false;
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
    stream_socket* socket =
        open_socket(stream_socket::role::connecting, stream_socket::family::tcp);
    if (!socket) return op->complete(out_of_memory(), 0);
    socket->connect_req.reset(new (std::nothrow) uv_connect_t{});
    if (!socket->connect_req) {
        close_socket(socket);
        return op->complete(out_of_memory(), 0);
    }
    const int status = uv_tcp_connect(socket->connect_req.get(), &socket->native.tcp,
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
    stream_socket* socket = stream_socket::of(request->handle);
    connect_operation* op = std::exchange(socket->connect_op, nullptr);
    if (!op) return;  // cancelled: the socket is closing, status is UV_ECANCELED
    loop& self = *socket->owner;
    if (status < 0) {
        self.close_socket(socket);
        return self.finish(op, error_from_uv(status), 0);
    }
    socket->kind = stream_socket::role::stream;
    op->connected = socket->key;
    self.finish(op, {}, 0);
}

// --- addresses and options --------------------------------------------------------------
//
// Asked of a Unix socket, these answer as on the other runtimes, from the descriptor:
// no endpoint there (address_family_not_supported), no TCP option to set.

std::error_code loop::local_endpoint(socket_handle s, endpoint* out) noexcept {
    if (const stream_socket* socket = find_socket(s)) {
        if (socket->domain != stream_socket::family::tcp)
            return posix::local_address(socket->descriptor(), out);
        return socket_name(&uv_tcp_getsockname, &socket->native.tcp, out);
    }
    if (const udp_socket* socket = find_udp(s))
        return socket_name(&uv_udp_getsockname, &socket->udp, out);
    return bad_handle();
}

// An unconnected UDP socket: UV_ENOTCONN, not_connected.
std::error_code loop::remote_endpoint(socket_handle s, endpoint* out) noexcept {
    if (const stream_socket* socket = find_socket(s)) {
        if (socket->domain != stream_socket::family::tcp)
            return posix::peer_address(socket->descriptor(), out);
        return socket_name(&uv_tcp_getpeername, &socket->native.tcp, out);
    }
    if (const udp_socket* socket = find_udp(s))
        return socket_name(&uv_udp_getpeername, &socket->udp, out);
    return bad_handle();
}

int loop::native_handle(socket_handle s) noexcept {
    if (const stream_socket* socket = find_socket(s)) return socket->descriptor();
    if (const udp_socket* socket = find_udp(s)) {
        uv_os_fd_t fd = -1;
        return uv_fileno(reinterpret_cast<const uv_handle_t*>(&socket->udp), &fd) == 0 ? fd : -1;
    }
    return -1;
}

std::error_code loop::set_no_delay(socket_handle s, bool enabled) noexcept {
    stream_socket* socket = find_socket(s);
    if (!socket) return bad_handle();
    if (socket->domain != stream_socket::family::tcp)
        return posix::set_tcp_no_delay(socket->descriptor(), enabled);
    const int status = uv_tcp_nodelay(&socket->native.tcp, enabled ? 1 : 0);
    return status < 0 ? error_from_uv(status) : std::error_code{};
}

}  // namespace interop::libuv_detail
