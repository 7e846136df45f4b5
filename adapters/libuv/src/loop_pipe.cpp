// Anonymous pipes.
//
// The descriptors come from the adapter kit (posix_pipe.hpp), which also keeps a write
// to a pipe without a reader from raising SIGPIPE (as the loop's constructor does
// already, unless the program installed its own handler in between). Each end is then
// given to libuv as a uv_pipe_t (uv_pipe_open), which reads and writes it with read()
// and write() and, from the descriptor's access mode, makes the reader only readable
// and the writer only writable. From there on an end is a stream_socket like a TCP
// one: read, write and close are the stream code (loop_stream.cpp, loop_tcp.cpp). So a
// full pipe queues a write as a full send buffer does, the writer's close is UV_EOF
// (end of stream) to the reader, and a write once the reader is closed fails with
// UV_EPIPE, broken_pipe.
#include <unistd.h>

#include "errors.hpp"
#include "interop/runtime/posix_pipe.hpp"
#include "loop.hpp"

namespace interop::libuv_detail {

std::error_code loop::pipe_open(socket_handle* reader, socket_handle* writer) noexcept {
    *reader = *writer = nullptr;
    if (queue_.stopped()) return canceled();
    int fds[2] = {-1, -1};
    if (const std::error_code error = kit::posix::open_pipe(fds)) return error;
    return adopt_pair(fds, stream_socket::family::pipe, reader, writer);
}

// A descriptor of the program's (a standard stream's duplicate: a pipe's end, a socket
// or a terminal), as a uv_pipe_t like a pipe's end. uv_pipe_open takes a terminal as
// well as a pipe: it reads and writes it with read() and write(), waits with epoll, and
// leaves the terminal's modes alone (uv_tty_t would be needed only to set them).
std::error_code loop::pipe_adopt(int fd, socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) {
        ::close(fd);
        return canceled();
    }
    std::error_code error;
    stream_socket* socket =
        adopt(fd, stream_socket::role::stream, stream_socket::family::pipe, &error);
    if (!socket) return error;
    *out = socket->key;
    return {};
}

}  // namespace interop::libuv_detail
