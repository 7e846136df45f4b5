/// \file
/// Wakes a loop sleeping in poll, epoll or kqueue from another thread: post() and
/// cancel() from other threads, stop().
///
/// An eventfd on Linux, a non-blocking pipe elsewhere; the loop watches fd() for
/// readability. Notifications coalesce: while one is pending and not yet cleared,
/// further notify() calls write nothing, so a burst of cross-thread posts costs one
/// system call, not one each.
///
/// For adapters over POSIX descriptors; not part of the core, which depends only on
/// the C++20 standard library. Header-only.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <system_error>

#include <unistd.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#endif

#include "interop/runtime/posix_socket.hpp"

namespace interop::kit::posix {

class wakeup {
public:
    /// Throws std::system_error when no descriptor can be created.
    wakeup() {
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
    ~wakeup() {
        if (write_fd_ != read_fd_) ::close(write_fd_);
        ::close(read_fd_);
    }
    wakeup(const wakeup&) = delete;
    wakeup& operator=(const wakeup&) = delete;

    /// Watch this for readability.
    int fd() const noexcept { return read_fd_; }

    /// Whether a notification is pending (not yet cleared): a loop may look at this
    /// while it spins for a moment instead of sleeping.
    bool notified() const noexcept { return notified_.load(std::memory_order_acquire); }

    /// Any thread.
    void notify() noexcept {
        if (notified_.exchange(true)) return;  // one is already on its way
        const std::uint64_t one = 1;           // an eventfd wants 8 bytes; a pipe takes them too
        while (::write(write_fd_, &one, sizeof one) < 0 && errno == EINTR) {
        }
        // EAGAIN means the descriptor is already full, hence readable: nothing is lost.
    }

    /// The loop's thread: consumes pending notifications. Call it before looking at what
    /// the notifiers left behind: whatever they add after that notifies anew.
    void clear() noexcept {
        std::uint64_t sink[16];
        for (;;) {
            const auto got = ::read(read_fd_, sink, sizeof sink);
            if (got > 0 || (got < 0 && errno == EINTR)) continue;
            break;  // EAGAIN: drained
        }
        // Only now: clearing the flag before draining could swallow the byte of a
        // notify() that ran in between, leaving the flag set with nothing to read, and
        // every later notify() would then skip its write. A notify() that finds the
        // flag still set here is safe: its work was queued before, and the caller looks
        // at the queue next.
        notified_.store(false);
    }

private:
    int read_fd_ = -1;
    int write_fd_ = -1;  // the same descriptor as read_fd_ for an eventfd
    std::atomic<bool> notified_{false};
};

}  // namespace interop::kit::posix
