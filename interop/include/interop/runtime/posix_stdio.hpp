/// \file
/// The standard streams over POSIX: what the core needs to turn descriptor 0, 1 or 2
/// (or any descriptor, for tests) into a stream without disturbing the process's own
/// descriptor. Include it only where <unistd.h> exists.
///
/// A descriptor is pollable when it is a pipe (FIFO), a socket or a terminal; it is then
/// duplicated for a runtime's pipe_adopt. Everything else (a regular file, /dev/null and
/// other character devices, which epoll refuses or reports as always ready) is read and
/// written by the runtime's file_call, on a duplicate as well.
///
/// O_NONBLOCK belongs to the open file description, which a duplicate shares with the
/// original and with every process that inherited it (the shell, a parent). So:
/// - a terminal is reopened by its name (ttyname), which gives a description of our own;
/// - a pipe or socket cannot be reopened: its description is made non-blocking while one
///   of our streams uses it, and its flags are restored when the last one closes (the
///   registry below counts the users, since stdout and stderr often share one pipe).
#pragma once

#include <csignal>
#include <cstdint>
#include <mutex>
#include <new>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interop/runtime/posix_pipe.hpp"

namespace interop::kit::posix {

/// How a standard stream is served.
enum class stdio_path : std::uint8_t {
    pollable,  ///< by the runtime's readiness (pipe_adopt)
    blocking,  ///< by the runtime's file_call (cap_files)
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

    // The entry of a file (added with no users if it is new) with room for one more
    // changed description, so that nothing after it can fail for want of memory; null
    // when there is no memory.
    stdio_user* user_of(dev_t device, ino_t inode, int access) noexcept {
        try {
            for (stdio_user& u : files) {
                if (u.device == device && u.inode == inode && u.access == access) {
                    u.changed.reserve(u.changed.size() + 1);
                    return &u;
                }
            }
            stdio_user added{device, inode, access, 0, {}};
            added.changed.reserve(1);
            files.reserve(files.size() + 1);
            files.push_back(std::move(added));  // no allocation: reserved, moved
            return &files.back();
        } catch (const std::bad_alloc&) {
            return nullptr;
        }
    }

    void drop_if_unused(stdio_user& u) noexcept {
        if (u.users == 0) files.erase(files.begin() + (&u - files.data()));
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
/// closed pipe is broken_pipe. On an error nothing is left open or changed.
inline std::error_code open_standard_stream(int fd, bool for_writing,
                                            stdio_descriptor* out) noexcept {
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
    // Flags we cannot read would leave a description that may block the runtime.
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return last_error();
    const int access = flags & O_ACCMODE;
    const bool change = (flags & O_NONBLOCK) == 0;
    detail::stdio_registry& r = detail::registry();
    const std::lock_guard<std::mutex> hold(r.lock);
    detail::stdio_user* user = r.user_of(info.st_dev, info.st_ino, access);
    if (user == nullptr) return std::make_error_code(std::errc::not_enough_memory);
    out->fd = detail::duplicate_above_stdio(fd);
    const int keeper = change && out->fd >= 0 ? detail::duplicate_above_stdio(out->fd) : -1;
    if (out->fd < 0 ||
        (change && (keeper < 0 || ::fcntl(out->fd, F_SETFL, flags | O_NONBLOCK) != 0))) {
        const std::error_code error = last_error();
        if (keeper >= 0) ::close(keeper);
        if (out->fd >= 0) ::close(out->fd);
        out->fd = -1;
        r.drop_if_unused(*user);
        return error;
    }
    if (change) user->changed.push_back(detail::changed_description{keeper, flags});  // reserved
    ++user->users;
    out->restore = true;
    out->device = info.st_dev;
    out->inode = info.st_ino;
    out->access = access;
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

}  // namespace interop::kit::posix
