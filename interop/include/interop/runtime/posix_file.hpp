/// \file
/// File requests over POSIX, for adapters: run_file_request() does what one
/// file_operation asks (runtime/interface.hpp) with the blocking system call, and is
/// the one place that knows how. The kit's fallback for file_call (runtime/vtable.hpp)
/// runs it on the adapter's blocking pool; an adapter with calls of its own (libuv's
/// uv_fs_*) uses the smaller helpers so that every runtime reports the same results.
/// Include it only where <unistd.h> exists.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <system_error>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interop/runtime/interface.hpp"

namespace interop::kit::posix {

inline std::error_code file_error(int code) noexcept { return {code, std::generic_category()}; }

/// The open(2) flags of file_open_flag bits; always close-on-exec.
inline int open_flags_of(std::uint32_t flags) noexcept {
    const bool reads = (flags & file_open_read) != 0;
    const bool writes = (flags & (file_open_write | file_open_append)) != 0;
    int result = O_CLOEXEC;
    if (reads && writes) {
        result |= O_RDWR;
    } else if (writes) {
        result |= O_WRONLY;
    } else {
        result |= O_RDONLY;
    }
    if ((flags & file_open_append) != 0) result |= O_APPEND;
    if ((flags & file_open_create) != 0) result |= O_CREAT;
    if ((flags & file_open_exclusive) != 0) result |= O_CREAT | O_EXCL;
    if ((flags & file_open_truncate) != 0) result |= O_TRUNC;
    return result;
}

inline file_type type_of_mode(mode_t mode) noexcept {
    if (S_ISREG(mode)) return file_type::regular;
    if (S_ISDIR(mode)) return file_type::directory;
    if (S_ISLNK(mode)) return file_type::symlink;
    return file_type::other;
}

inline file_status status_of(const struct stat& st) noexcept {
    file_status s;
    s.size = static_cast<std::uint64_t>(st.st_size);
    s.type = type_of_mode(st.st_mode);
    s.permissions = static_cast<std::uint32_t>(st.st_mode & 07777);
    s.modified_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                    static_cast<std::int64_t>(st.st_mtim.tv_nsec);
    return s;
}

/// Linux opens a directory read-only without complaint; a file of interop never is
/// one. Closes `fd` and reports is_a_directory when it is a directory.
inline std::error_code reject_directory(int fd) noexcept {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int code = errno;
        ::close(fd);
        return file_error(code);
    }
    if (!S_ISDIR(st.st_mode)) return {};
    ::close(fd);
    return std::make_error_code(std::errc::is_a_directory);
}

/// The type of the entry `name` of directory `dir`, from readdir's d_type when it
/// knows, from lstat otherwise.
inline file_type entry_type(const char* dir, const char* name, unsigned char d_type) {
    switch (d_type) {
        case DT_REG:
            return file_type::regular;
        case DT_DIR:
            return file_type::directory;
        case DT_LNK:
            return file_type::symlink;
        case DT_UNKNOWN:
            break;
        default:
            return file_type::other;
    }
    std::string full = dir;
    full += '/';
    full += name;
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0) return file_type::other;
    return type_of_mode(st.st_mode);
}

inline bool is_dot_or_dot_dot(const char* name) noexcept {
    return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

namespace detail {

// Runs `call` again while a signal interrupts it.
template <typename Call>
auto retry(Call&& call) noexcept {
    for (;;) {
        auto r = call();
        if (r >= 0 || errno != EINTR) return r;
    }
}

inline std::error_code list_directory(file_operation* op) noexcept {
    DIR* dir = ::opendir(op->path);
    if (dir == nullptr) return file_error(errno);
    std::error_code error;
    try {
        op->entries.clear();
        for (;;) {
            errno = 0;
            const dirent* entry = ::readdir(dir);
            if (entry == nullptr) {
                if (errno != 0) error = file_error(errno);
                break;
            }
            if (is_dot_or_dot_dot(entry->d_name)) continue;
            op->entries.push_back(
                {entry->d_name, entry_type(op->path, entry->d_name, entry->d_type)});
        }
    } catch (const std::bad_alloc&) {
        error = std::make_error_code(std::errc::not_enough_memory);
    }
    ::closedir(dir);
    return error;
}

inline std::error_code stat_request(file_operation* op) noexcept {
    struct stat st {};
    int r = 0;
    if (op->path == nullptr) {
        r = ::fstat(op->fd, &st);
    } else if (op->follow) {
        r = ::stat(op->path, &st);
    } else {
        r = ::lstat(op->path, &st);
    }
    if (r != 0) return file_error(errno);
    op->status = status_of(st);
    return {};
}

}  // namespace detail

/// Does what `op` asks with blocking system calls. Sets *transferred as file_call's
/// completion would report it; never completes `op`.
inline std::error_code run_file_request(file_operation* op, std::size_t* transferred) noexcept {
    *transferred = 0;
    const auto fail = [] { return file_error(errno); };
    switch (op->request) {
        case file_request::open: {
            const int fd = detail::retry([&] {
                return ::open(op->path, open_flags_of(op->open_flags),
                              static_cast<mode_t>(op->mode));
            });
            if (fd < 0) return fail();
            if (const std::error_code error = reject_directory(fd)) return error;
            op->fd = fd;
            return {};
        }
        case file_request::read:
        case file_request::write: {
            const bool reading = op->request == file_request::read;
            const ssize_t n = detail::retry([&]() -> ssize_t {
                if (op->offset < 0) {
                    return reading ? ::read(op->fd, op->data, op->size)
                                   : ::write(op->fd, op->data, op->size);
                }
                const auto at = static_cast<off_t>(op->offset);
                return reading ? ::pread(op->fd, op->data, op->size, at)
                               : ::pwrite(op->fd, op->data, op->size, at);
            });
            if (n < 0) return fail();
            *transferred = static_cast<std::size_t>(n);
            return {};
        }
        case file_request::sync:
            if (detail::retry(
                    [&] { return op->data_only ? ::fdatasync(op->fd) : ::fsync(op->fd); }) != 0)
                return fail();
            return {};
        case file_request::stat:
            return detail::stat_request(op);
        case file_request::truncate:
            if (op->offset < 0) return std::make_error_code(std::errc::invalid_argument);
            if (detail::retry(
                    [&] { return ::ftruncate(op->fd, static_cast<off_t>(op->offset)); }) != 0)
                return fail();
            return {};
        case file_request::seek: {
            const int whence = op->whence == 1 ? SEEK_CUR : op->whence == 2 ? SEEK_END : SEEK_SET;
            const off_t at = ::lseek(op->fd, static_cast<off_t>(op->offset), whence);
            if (at < 0) return fail();
            *transferred = static_cast<std::size_t>(at);
            return {};
        }
        case file_request::close:
            // Linux releases the descriptor even when close reports an error (EINTR
            // included): it is never retried.
            if (::close(op->fd) != 0) return fail();
            return {};
        case file_request::unlink:
            if (::unlink(op->path) != 0) return fail();
            return {};
        case file_request::rename:
            if (::rename(op->path, op->target) != 0) return fail();
            return {};
        case file_request::mkdir:
            if (::mkdir(op->path, static_cast<mode_t>(op->mode)) != 0) return fail();
            return {};
        case file_request::rmdir:
            if (::rmdir(op->path) != 0) return fail();
            return {};
        case file_request::list:
            return detail::list_directory(op);
    }
    return std::make_error_code(std::errc::invalid_argument);
}

/// Runs `op` now, on the calling thread, and completes it.
inline void run_file_request_now(file_operation* op) noexcept {
    std::size_t n = 0;
    const std::error_code error = run_file_request(op, &n);
    op->complete(error, n);
}

/// file_call on a blocking pool: close and seek at once, everything else through
/// `spawn(blocking_operation*)` (the adapter's spawn_blocking), whose completion
/// completes `op`. A pool that cancels work before it starts makes that request
/// operation_canceled with nothing done, as the contract asks.
template <typename Spawn>
void file_call_on_pool(file_operation* op, Spawn&& spawn) noexcept {
    if (op->completes_in_call()) return run_file_request_now(op);
    op->offload.work = [](void* context) noexcept {
        auto* off = static_cast<file_offload*>(context);
        off->error = run_file_request(off->owner, &off->transferred);
    };
    op->offload.context = &op->offload;
    spawn(static_cast<blocking_operation*>(&op->offload));
}

/// What an adapter using file_call_on_pool cancels when asked to cancel `op`: a file
/// operation's offload, which its pool knows; any other operation itself.
inline operation* pool_cancel_target(operation* op) noexcept {
    if (op->kind != op_kind::file) return op;
    return &static_cast<file_operation*>(op)->offload;
}

}  // namespace interop::kit::posix
