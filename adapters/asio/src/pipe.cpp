// Anonymous pipes: the primitive, and the socket object's side of it. The kit opens
// the pipe (non-blocking, close-on-exec, SIGPIPE ignored unless the program handles
// it); each end goes to a socket object's stream_descriptor (tcp_socket.hpp says why
// not its socket), and tcp.cpp's read, write and close serve it as they serve TCP.
#include <unistd.h>

#include "errors.hpp"
#include "interop/runtime/posix_pipe.hpp"
#include "runtime.hpp"
#include "tcp_socket.hpp"

namespace interop::asio_detail {

std::error_code runtime::pipe_open(socket_handle* reader, socket_handle* writer) noexcept {
    return open_pair(reader, writer, kit::posix::open_pipe, &tcp_socket::adopt_pipe_end);
}

// A descriptor of the program's (a standard stream's duplicate: a pipe's end, a socket
// or a terminal), served as a pipe's end.
std::error_code runtime::pipe_adopt(int fd, socket_handle* out) noexcept {
    *out = nullptr;
    if (stopped_.load(std::memory_order_acquire)) {
        ::close(fd);
        return canceled();
    }
    tcp_socket* end = new_socket();
    if (!end) {
        ::close(fd);
        return out_of_memory();
    }
    if (const std::error_code error = end->adopt_pipe_end(fd)) {
        end->release();
        return error;
    }
    handle_given(end);
    *out = end;
    return {};
}

// Before the handle is published.
std::error_code tcp_socket::adopt_pipe_end(int fd) noexcept {
    if (const std::error_code error =
            become_owner_of<asio::posix::stream_descriptor>(rt_.context(), fd))
        return error;
    // Asio watches the descriptor from now on, and closes it.
    std::error_code ec;
    pipe_end().assign(fd, ec);
    if (ec) {
        ::close(fd);
        return to_interop_error(ec);
    }
    // The descriptor is non-blocking already; this tells Asio, whose write_some()
    // would otherwise wait in poll() for room instead of reporting "would block".
    pipe_end().non_blocking(true, ec);
    return to_interop_error(ec);
}

}  // namespace interop::asio_detail
