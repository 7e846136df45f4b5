#include "wakeup.hpp"

#include <cerrno>
#include <cstdint>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#endif

#include "socket_calls.hpp"

namespace interop::inline_detail {

wakeup::wakeup() {
#if defined(__linux__)
    read_fd_ = write_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (read_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
#else
    int fds[2];
    if (::pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    read_fd_ = fds[0];
    write_fd_ = fds[1];
    if (!make_nonblocking_cloexec(read_fd_) || !make_nonblocking_cloexec(write_fd_)) {
        const int error = errno;
        ::close(read_fd_);
        ::close(write_fd_);
        throw std::system_error(error, std::generic_category(), "fcntl");
    }
#endif
}

wakeup::~wakeup() {
    if (write_fd_ != read_fd_) ::close(write_fd_);
    ::close(read_fd_);
}

void wakeup::notify() noexcept {
    if (notified_.exchange(true)) return;  // one is already on its way
    const std::uint64_t one = 1;           // an eventfd wants 8 bytes; a pipe takes them too
    while (::write(write_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
    // EAGAIN means the descriptor is already full, hence readable: nothing is lost.
}

void wakeup::clear() noexcept {
    std::uint64_t sink[16];
    for (;;) {
        const auto got = ::read(read_fd_, sink, sizeof sink);
        if (got > 0 || (got < 0 && errno == EINTR)) continue;
        break;  // EAGAIN: drained
    }
    // Only now: clearing the flag before draining could swallow the byte of a notify()
    // that ran in between, leaving the flag set with nothing to read, and every later
    // notify() would then skip its write. A notify() that finds the flag still set
    // here is safe: its work was queued before, and the caller looks at the queue next.
    notified_.store(false);
}

}  // namespace interop::inline_detail
