/// \file
/// Anonymous pipes over POSIX, for adapters (as posix_socket.hpp is for TCP): each call
/// tries once, never blocks, and reports errno as a std::error_code in the generic
/// category. Include it only where <unistd.h> exists.
///
/// A pipe is not a socket: it is read with read() and written with write(), and a
/// write to a pipe whose reader is gone raises SIGPIPE, which no flag of the call can
/// turn off (send's MSG_NOSIGNAL is for sockets). So opening a pipe ignores SIGPIPE
/// for the whole process, unless the program has its own handler for it, as every Rust
/// program does from the start: the write then fails with EPIPE, broken_pipe, as a
/// write to a TCP stream does.
#pragma once

#include <csignal>
#include <cstddef>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "interop/runtime/interface.hpp"
#include "interop/runtime/posix_socket.hpp"

namespace interop::kit::posix {

/// SIGPIPE ignored, unless the program handles it (or ignores it already) itself.
inline void ignore_sigpipe() noexcept {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) != 0) return;
    // The program's own choice: a handler (either kind) or SIG_IGN already.
    if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) return;
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, nullptr);
}

/// A non-blocking, close-on-exec pipe: fds[0] the reader, fds[1] the writer.
inline std::error_code open_pipe(int fds[2]) noexcept {
    ignore_sigpipe();
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return last_error();
#else
    if (::pipe(fds) != 0) return last_error();
    if (const std::error_code error = make_pair_nonblocking_cloexec(fds)) return error;
#endif
    return {};
}

/// pipe_open of the contract for a loop that waits for readiness: both ends given to
/// the loop with add(fd); drop(handle) takes back the reader when the writer cannot
/// be added. On an error neither is left open.
template <typename Add, typename Drop>
std::error_code pipe_open(socket_handle* reader, socket_handle* writer, Add&& add, Drop&& drop) {
    *reader = *writer = nullptr;
    int fds[2] = {-1, -1};
    if (const std::error_code error = open_pipe(fds)) return error;
    return adopt_pair(fds, reader, writer, add, drop);
}

/// A read of a pipe (or any descriptor): 0 bytes with no error is the end.
inline attempt read_once(int fd, std::byte* data, std::size_t size) noexcept {
    return detail::count_once([&] { return ::read(fd, data, size); });
}

/// A write to a pipe (or any descriptor); a pipe without a reader is broken_pipe.
inline attempt write_once(int fd, const std::byte* data, std::size_t size) noexcept {
    return detail::count_once([&] { return ::write(fd, data, size); });
}

}  // namespace interop::kit::posix
