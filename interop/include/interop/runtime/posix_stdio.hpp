/// \file
/// The standard streams over POSIX: what the core needs to turn descriptor 0, 1 or 2
/// (or any descriptor, for tests) into a stream without disturbing the process's own
/// descriptor. Include it only where <unistd.h> exists.
///
/// A descriptor is pollable when it is a pipe (FIFO), a socket or a terminal; it is then
/// duplicated for a runtime's pipe_adopt. Everything else (a regular file, /dev/null and
/// other character devices, which epoll refuses or reports as always ready) is read and
/// written by blocking calls on the blocking pool, on a duplicate as well.
///
/// O_NONBLOCK belongs to the open file description, which a duplicate shares with the
/// original and with every process that inherited it (the shell, a parent). So:
/// - a terminal is reopened by its name (ttyname), which gives a description of our own;
/// - a pipe or socket cannot be reopened: its description is made non-blocking while one
///   of our streams uses it, and its flags are restored when the last one closes (the
///   registry below counts the users, since stdout and stderr often share one pipe).
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interop/runtime/posix_pipe.hpp"

namespace interop::kit::posix {

/// How a standard stream is served.
enum class stdio_path : std::uint8_t {
    pollable,  ///< by the runtime's readiness (pipe_adopt)
    blocking,  ///< by blocking calls on the blocking pool
};

/// A descriptor ready for a standard stream: `fd` is the stream's to close, and
/// release_standard_stream(this) follows that close.
struct stdio_descriptor {
    int fd = -1;
    stdio_path path = stdio_path::blocking;
    bool restore = false;  ///< the description's flags are restored on release
    dev_t device = 0;      ///< identity of the file and access mode, for the registry
    ino_t inode = 0;
    int access = 0;
};

namespace detail {

// A description we made non-blocking, with the flags it had and a duplicate through
// which to restore them.
struct changed_description {
    int keeper = -1;
    int flags = 0;
};

// The pipes and sockets standard streams use, by file identity and access mode: a pipe's
// two ends share one inode but not their mode, and the duplicate that restores a
// writer's flags must not keep the pipe open once its own streams are closed (its
// reader would never see the end). Descriptions that agree in all three (a FIFO opened
// twice for writing) are counted together.
struct stdio_user {
    dev_t device = 0;
    ino_t inode = 0;
    int access = 0;
    int users = 0;
    std::vector<changed_description> changed;
};

struct stdio_registry {
    std::mutex lock;
    std::vector<stdio_user> files;

    stdio_user& user_of(dev_t device, ino_t inode, int access) {
        for (stdio_user& u : files) {
            if (u.device == device && u.inode == inode && u.access == access) return u;
        }
        files.push_back(stdio_user{device, inode, access, 0, {}});
        return files.back();
    }
};

inline stdio_registry& registry() noexcept {
    static stdio_registry instance;
    return instance;
}

// fcntl(F_DUPFD_CLOEXEC) above the standard descriptors, or -1 with errno.
inline int duplicate_above_stdio(int fd) noexcept { return ::fcntl(fd, F_DUPFD_CLOEXEC, 3); }

// The terminal `fd` is, opened anew non-blocking (same access mode), or -1.
inline int reopen_terminal(int fd) noexcept {
    char name[256];
    if (::ttyname_r(fd, name, sizeof name) != 0) return -1;
    const int mode = ::fcntl(fd, F_GETFL);
    if (mode < 0) return -1;
    const int opened =
        ::open(name, (mode & O_ACCMODE) | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);  // NOLINT
    if (opened < 0 || opened > STDERR_FILENO) return opened;
    const int moved = duplicate_above_stdio(opened);
    ::close(opened);
    return moved;
}

}  // namespace detail

/// Classifies `fd` and makes the descriptor a standard stream works on. The process's
/// `fd` stays open. A write stream ignores SIGPIPE (posix_pipe.hpp), so a write to a
/// closed pipe is broken_pipe.
inline std::error_code open_standard_stream(int fd, bool for_writing, stdio_descriptor* out) {
    *out = stdio_descriptor{};
    if (for_writing) ignore_sigpipe();
    struct stat info {};
    if (::fstat(fd, &info) != 0) return last_error();
    const bool terminal = S_ISCHR(info.st_mode) && ::isatty(fd) == 1;
    const bool pollable = S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode) || terminal;
    if (!pollable) {
        out->fd = detail::duplicate_above_stdio(fd);
        if (out->fd < 0) return last_error();
        return {};
    }
    out->path = stdio_path::pollable;
    if (terminal) {
        out->fd = detail::reopen_terminal(fd);
        if (out->fd >= 0) return {};
        // No name to reopen (a terminal without /dev access): shared, as a pipe's.
    }
    out->fd = detail::duplicate_above_stdio(fd);
    if (out->fd < 0) return last_error();
    const int flags = ::fcntl(out->fd, F_GETFL);
    out->restore = true;
    out->device = info.st_dev;
    out->inode = info.st_ino;
    out->access = flags < 0 ? 0 : flags & O_ACCMODE;
    detail::stdio_registry& r = detail::registry();
    const std::lock_guard<std::mutex> hold(r.lock);
    detail::stdio_user& user = r.user_of(info.st_dev, info.st_ino, out->access);
    ++user.users;
    if (flags >= 0 && (flags & O_NONBLOCK) == 0) {
        const int keeper = detail::duplicate_above_stdio(out->fd);
        if (keeper < 0 || ::fcntl(out->fd, F_SETFL, flags | O_NONBLOCK) != 0) {
            const std::error_code error = last_error();
            if (keeper >= 0) ::close(keeper);
            ::close(out->fd);
            out->fd = -1;
            if (--user.users == 0) r.files.erase(r.files.begin() + (&user - r.files.data()));
            return error;
        }
        user.changed.push_back(detail::changed_description{keeper, flags});
    }
    return {};
}

/// Ends a standard stream's use of its pipe or socket (after its descriptor is closed):
/// the last user restores the flags of the descriptions it made non-blocking.
inline void release_standard_stream(const stdio_descriptor& d) noexcept {
    if (!d.restore) return;
    detail::stdio_registry& r = detail::registry();
    const std::lock_guard<std::mutex> hold(r.lock);
    for (auto it = r.files.begin(); it != r.files.end(); ++it) {
        if (it->device != d.device || it->inode != d.inode || it->access != d.access) continue;
        if (--it->users > 0) return;
        for (const detail::changed_description& c : it->changed) {
            ::fcntl(c.keeper, F_SETFL, c.flags);
            ::close(c.keeper);
        }
        r.files.erase(it);
        return;
    }
}

/// One blocking read of `fd` (retried on EINTR): 0 bytes with no error is the end.
inline attempt blocking_read(int fd, std::byte* data, std::size_t size) noexcept {
    for (;;) {
        const ::ssize_t n = ::read(fd, data, size);
        if (n >= 0) return attempt{false, {}, static_cast<std::size_t>(n)};
        if (errno != EINTR) return attempt{false, last_error(), 0};
    }
}

/// One blocking write to `fd` (retried on EINTR).
inline attempt blocking_write(int fd, const std::byte* data, std::size_t size) noexcept {
    for (;;) {
        const ::ssize_t n = ::write(fd, data, size);
        if (n >= 0) return attempt{false, {}, static_cast<std::size_t>(n)};
        if (errno != EINTR) return attempt{false, last_error(), 0};
    }
}

}  // namespace interop::kit::posix
