/// \file
/// Files and directories: `file` models AsyncRead, AsyncWrite and AsyncClose, so every
/// byte-stream helper (write_all, read_to_end, copy, buffered_reader, ...) works on it.
///
///     auto f = (co_await interop::file::open("data.bin")).value();
///     std::string all;
///     (void)co_await interop::read_to_end(f, all);
///
///     auto out = (co_await interop::file::open("log.txt",
///                     interop::open_options().append(true).create(true))).value();
///     (void)co_await interop::write_all(out, std::string_view("one line\n"));
///
/// - A regular file cannot be waited for: each call runs as one blocking system call
///   on the runtime's blocking pool (libuv: its own uv_fs_* calls on the same pool).
///   Cancelled before it starts, a call completes with operation_canceled and does
///   nothing; once started it runs to completion and reports what it did.
/// - read at the end of the file gives 0; an empty read buffer is invalid_argument and
///   an empty write gives 0 at once, as for streams.
/// - One read (read or read_at) and one write (write or write_at) may be pending; a
///   second fails at once with device_or_resource_busy.
/// - close() reports close's error; after it every call is bad_file_descriptor, and a
///   second close is harmless. The destructor closes an open file.
///
/// Needs cap_files; on a runtime without it every call is operation_not_supported.
/// docs/files.md has the whole story.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "interop/detail/file_io.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/io_result.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/task.hpp"

namespace interop {

/// How file::open opens a file, in the manner of std::fs::OpenOptions: read(true),
/// write(true), append(true) (writes go to the end), create(true) (made if missing),
/// truncate(true) (emptied), create_new(true) (made, and must not exist: file_exists
/// otherwise), mode(bits) for a file made (default 0666, less the umask).
/// Contradictions are invalid_argument at open: nothing to read or write, truncate or
/// create without write or append, append with truncate.
class open_options {
public:
    open_options& read(bool on) noexcept { return set(file_open_read, on); }
    open_options& write(bool on) noexcept { return set(file_open_write, on); }
    open_options& append(bool on) noexcept { return set(file_open_append, on); }
    open_options& create(bool on) noexcept { return set(file_open_create, on); }
    open_options& truncate(bool on) noexcept { return set(file_open_truncate, on); }
    open_options& create_new(bool on) noexcept { return set(file_open_exclusive, on); }
    open_options& mode(std::uint32_t bits) noexcept {
        mode_ = bits & 07777;
        return *this;
    }

    std::uint32_t flags() const noexcept { return flags_; }
    std::uint32_t mode() const noexcept { return mode_; }

private:
    open_options& set(std::uint32_t bit, bool on) noexcept {
        flags_ = on ? (flags_ | bit) : (flags_ & ~bit);
        return *this;
    }
    std::uint32_t flags_ = 0;
    std::uint32_t mode_ = 0666;
};

/// What metadata() reports of a file or path.
struct file_metadata {
    std::uint64_t size = 0;
    file_type type = file_type::other;
    std::filesystem::perms permissions = std::filesystem::perms::none;
    std::chrono::system_clock::time_point modified{};

    bool is_file() const noexcept { return type == file_type::regular; }
    bool is_directory() const noexcept { return type == file_type::directory; }
    bool is_symlink() const noexcept { return type == file_type::symlink; }
};

/// Where file::seek counts from.
enum class seek_origin : std::uint8_t { start, current, end };

/// An open file of a runtime.
class file {
public:
    file() noexcept = default;
    /// Takes over descriptor `fd`, open on `rt` (what open does).
    file(runtime_ref rt, int fd) noexcept;
    file(file&& other) noexcept;
    file& operator=(file&& other) noexcept;
    ~file();

    /// Opens `path` as `options` say.
    static task<io_result<file>> open(std::string path, open_options options);
    /// Opens `path` for reading.
    static task<io_result<file>> open(std::string path);
    /// Opens `path` for writing, made if missing and emptied if not.
    static task<io_result<file>> create(std::string path);

    /// Reads at the position, which moves past what was read; 0 at the end of the file.
    [[nodiscard]] detail::file_io read(std::span<std::byte> buffer) noexcept;
    [[nodiscard]] detail::file_io read(std::span<char> buffer) noexcept {
        return read(std::as_writable_bytes(buffer));
    }
    /// Writes at the position (at the end with append), which moves past what was written.
    [[nodiscard]] detail::file_io write(std::span<const std::byte> buffer) noexcept;
    [[nodiscard]] detail::file_io write(std::span<const char> buffer) noexcept {
        return write(std::as_bytes(buffer));
    }
    [[nodiscard]] detail::file_io write(std::string_view text) noexcept {
        return write(std::span<const char>(text.data(), text.size()));
    }
    /// Reads at `offset`, leaving the position alone.
    [[nodiscard]] detail::file_io read_at(std::uint64_t offset,
                                          std::span<std::byte> buffer) noexcept;
    /// Writes at `offset`, leaving the position alone.
    [[nodiscard]] detail::file_io write_at(std::uint64_t offset,
                                           std::span<const std::byte> buffer) noexcept;

    /// Moves the position; the new position, from the start. Runs at once (lseek
    /// never waits for the disk).
    [[nodiscard]] detail::ready_result<std::uint64_t> seek(std::int64_t offset,
                                                           seek_origin from) noexcept;
    /// The position.
    [[nodiscard]] detail::ready_result<std::uint64_t> position() noexcept {
        return seek(0, seek_origin::current);
    }

    /// Flushes data and metadata to the device (fsync).
    task<io_result<void>> sync_all();
    /// Flushes the data, and the metadata needed to read it back (fdatasync).
    task<io_result<void>> sync_data();
    /// Size, type, permissions and modification time.
    task<io_result<file_metadata>> metadata();
    /// Cuts the file to `length` bytes, or extends it with zeros; the position stays.
    task<io_result<void>> set_len(std::uint64_t length);

    /// Closes the file and reports close's error. While a read or write is pending it
    /// is device_or_resource_busy and the file stays open.
    [[nodiscard]] detail::ready_result<void> close() noexcept;

    /// Open, on a runtime that still exists.
    bool is_open() const noexcept { return fd_ >= 0 && lifetime_.alive(); }
    runtime_ref runtime() const noexcept { return rt_; }
    /// The descriptor, -1 when closed.
    int native_handle() const noexcept { return fd_; }

private:
    detail::file_io call(file_request request, std::errc precheck = {},
                         std::atomic<bool>* busy = nullptr) noexcept;
    detail::file_io transfer(file_request request, std::int64_t offset, std::byte* data,
                             std::size_t size) noexcept;
    task<io_result<void>> simple(file_request request, bool data_only, std::int64_t length,
                                 std::errc precheck = {});
    void release() noexcept;

    runtime_ref rt_{};
    int fd_ = -1;
    runtime_lifetime lifetime_;
    std::atomic<bool> reading_{false};
    std::atomic<bool> writing_{false};
};

/// The whole file at `path`, as bytes in a string.
task<io_result<std::string>> read_file(std::string path);
/// The whole file at `path`.
task<io_result<std::vector<std::byte>>> read_file_bytes(std::string path);
/// Makes `path` hold exactly `data` (created if missing, emptied first). `data` must
/// stay alive until the task is done.
task<io_result<void>> write_file(std::string path, std::span<const std::byte> data);
task<io_result<void>> write_file(std::string path, std::string_view data);

/// Copies the regular file `from` to `to` and returns the number of bytes copied, as
/// tokio::fs::copy does. `to` is created with `from`'s permission bits (less the umask)
/// if it is missing, and ends up holding exactly `from`'s bytes; copying a file onto
/// itself leaves it as it was. The next buffer is read while the last one is written
/// (two buffers of copy_file_buffer_size), so the runtime's file calls overlap. A
/// source that is not a regular file is invalid_argument (a directory is
/// is_a_directory). On an error or a cancellation `to` may hold part of the copy.
task<io_result<std::uint64_t>> copy_file(std::string from, std::string to);
inline constexpr std::size_t copy_file_buffer_size = std::size_t{1} << 20;

/// Removes the file (not a directory) at `path`.
task<io_result<void>> remove_file(std::string path);
/// Renames `from` to `to`, replacing a file at `to`.
task<io_result<void>> rename(std::string from, std::string to);
/// Makes the directory `path`; its parent must exist (file_exists if `path` does).
task<io_result<void>> create_directory(std::string path, std::uint32_t mode = 0777);
/// Makes the directory `path` and every missing parent; fine if it exists already.
task<io_result<void>> create_directories(std::string path, std::uint32_t mode = 0777);
/// Removes the empty directory at `path`.
task<io_result<void>> remove_directory(std::string path);
/// What `path` names, following symlinks.
task<io_result<file_metadata>> metadata(std::string path);
/// What `path` names, a symlink itself rather than its target.
task<io_result<file_metadata>> symlink_metadata(std::string path);
/// The entries of directory `path` but "." and "..", in no particular order: names and
/// types, all at once (one call on the blocking pool).
task<io_result<std::vector<directory_entry>>> read_directory(std::string path);

}  // namespace interop
