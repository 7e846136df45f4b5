// Unix domain sockets and pipes: made here, then streams and listeners in the same
// table as TCP ones, whose reads, writes and accepts they share (loop_tcp.cpp; a
// pipe's end is marked so that it is read and written with read() and write()).
#include "interop/runtime/posix_pipe.hpp"
#include "interop/runtime/posix_unix.hpp"
#include "loop.hpp"

namespace interop::inline_detail {
namespace {

namespace posix = kit::posix;

std::error_code canceled() noexcept { return std::make_error_code(std::errc::operation_canceled); }

}  // namespace

std::error_code loop::unix_listen(const unix_address& local, int backlog,
                                  socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) return canceled();
    return posix::unix_listen(local, backlog, out,
                              [this](int fd) { return sockets_.add(fd, socket_kind::listener); });
}

void loop::unix_connect(unix_connect_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    const auto add = [this](int fd) { return sockets_.add(fd, socket_kind::stream); };
    posix::unix_connect(op, add, [&](socket_handle handle) { park_connect(op, handle); });
}

std::error_code loop::unix_pair(socket_handle* first, socket_handle* second) noexcept {
    if (queue_.stopped()) return canceled();
    return posix::unix_pair(
        first, second, [this](int fd) { return sockets_.add(fd, socket_kind::stream); },
        [this](socket_handle s) { forget_socket(s); });
}

std::error_code loop::unix_address_of(socket_handle s, bool peer, unix_address* out) noexcept {
    const socket_slot* socket = sockets_.find(s);
    if (!socket) return std::make_error_code(std::errc::bad_file_descriptor);
    return posix::unix_name(socket->fd, peer, out);
}

std::error_code loop::pipe_open(socket_handle* reader, socket_handle* writer) noexcept {
    if (queue_.stopped()) return canceled();
    const auto add = [this](int fd) { return sockets_.add(fd, socket_kind::pipe); };
    return posix::pipe_open(reader, writer, add, [this](socket_handle s) { forget_socket(s); });
}

// A descriptor of the program's (a standard stream's duplicate), served as a pipe's end.
std::error_code loop::pipe_adopt(int fd, socket_handle* out) noexcept {
    *out = nullptr;
    if (queue_.stopped()) {
        ::close(fd);
        return canceled();
    }
    return posix::adopt(fd, out,
                        [this](int adopted) { return sockets_.add(adopted, socket_kind::pipe); });
}

}  // namespace interop::inline_detail
