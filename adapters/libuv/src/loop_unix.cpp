// Unix domain stream sockets: listen, connect, pairs, names.
//
// The descriptors come from the adapter kit (posix_unix.hpp), so abstract names, the
// errors and a connect that never waits for a full backlog are those of every other
// runtime; each descriptor is then given to libuv as a uv_pipe_t (uv_pipe_open), and
// from there on a Unix socket is a stream_socket like a TCP one: accept, read, write,
// shutdown_write and close are the TCP code (loop_tcp.cpp, loop_stream.cpp).
//
// libuv's own pipe calls are not used: uv_pipe_bind records the path and uv_close then
// removes the file, which only the core removes (runtime-interface.md), and
// uv_pipe_connect before libuv 1.46 reaches no abstract name.
#include <utility>

#include <unistd.h>

#include "errors.hpp"
#include "interop/runtime/posix_unix.hpp"
#include "loop.hpp"
#include "op_data.hpp"

namespace interop::libuv_detail {
namespace {

namespace posix = kit::posix;

constexpr auto unix_domain = stream_socket::family::unix_domain;

}  // namespace

std::error_code loop::unix_listen(const unix_address& local, int backlog,
                                  socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) return canceled();
    int fd = -1;
    if (const std::error_code error = posix::open_unix_listener(local, backlog, &fd)) return error;
    return listen_on(fd, unix_domain, out);
}

// On Linux connect() on a Unix socket is done or refused at once. Where a system says
// "in progress" instead, the socket's readiness watcher waits for it to be writable
// (as a listener's waits for connections); cancelling closes the socket, as for TCP.
void loop::unix_connect(unix_connect_operation* op) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return;
    int fd = -1;
    const posix::attempt started = posix::start_unix_connect(op->path, &fd);
    if (started.error) return op->complete(started.error, 0);
    std::error_code error;
    const auto role =
        started.would_block ? stream_socket::role::connecting : stream_socket::role::stream;
    stream_socket* socket = adopt(fd, role, unix_domain, &error);
    if (!socket) return op->complete(error, 0);
    if (!started.would_block) {
        op->connected = socket->key;
        return op->complete({}, 0);
    }
    readiness_watch* watch = open_watch(socket, fd, &error);
    if (watch) {
        const int status =
            uv_poll_start(&watch->readiness, UV_WRITABLE, &loop::on_unix_connectable);
        if (status < 0) error = error_from_uv(status);
    }
    if (!watch || error) {
        close_socket(socket);
        return op->complete(error, 0);
    }
    socket->connect_op = op;
    set_waits_on(op, socket);
    park(op);
}

void loop::on_unix_connectable(uv_poll_t* readiness, int status, int) {
    auto* socket = static_cast<stream_socket*>(readiness->data);
    loop& self = *socket->owner;
    // The watcher has done its part: from here the pipe's own watcher has the
    // descriptor. (Closing the socket closes it too, and stops it first, so an
    // operation is attached whenever this runs.)
    socket->watch->readiness_open = false;
    uv_close(reinterpret_cast<uv_handle_t*>(readiness), &loop::on_socket_closed);
    connect_operation* op = std::exchange(socket->connect_op, nullptr);
    if (!op) return;
    const std::error_code error =
        status < 0 ? error_from_uv(status) : posix::connect_result(socket->descriptor());
    if (error) {
        self.close_socket(socket);
        return self.finish(op, error, 0);
    }
    socket->kind = stream_socket::role::stream;
    op->connected = socket->key;
    self.finish(op, {}, 0);
}

std::error_code loop::unix_pair(socket_handle* first, socket_handle* second) noexcept {
    *first = *second = nullptr;
    if (queue_.stopped()) return canceled();
    int fds[2] = {-1, -1};
    if (const std::error_code error = posix::open_unix_pair(fds)) return error;
    return adopt_pair(fds, unix_domain, first, second);
}

// A TCP socket's descriptor answers address_family_not_supported, as on the other
// runtimes; a UDP socket is not a stream socket of this table.
std::error_code loop::unix_address_of(socket_handle s, bool peer, unix_address* out) noexcept {
    const stream_socket* socket = find_socket(s);
    if (!socket) return bad_handle();
    return posix::unix_name(socket->descriptor(), peer, out);
}

}  // namespace interop::libuv_detail
