// The whole-file and path functions of file.hpp: each one or a few file requests on
// the awaiting task's runtime.
#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "file_detail.hpp"
#include "interop/combinators.hpp"
#include "interop/file.hpp"
#include "interop/io/write_all.hpp"

namespace interop {

namespace {

// One request on a path (and a second one, for rename), reporting only success.
task<io_result<void>> path_request(file_request request, std::string path, std::string target,
                                   std::uint32_t mode) {
    std::errc precheck = detail::check_path(path);
    if (precheck == std::errc{} && request == file_request::rename)
        precheck = detail::check_path(target);
    detail::file_io io(request, {}, precheck);
    io.request().mode = mode;
    io.set_path(std::move(path));
    io.set_target(std::move(target));
    io_result<std::size_t> done = co_await io;
    if (!done) co_return done.error();
    co_return io_result<void>{};
}

task<io_result<file_metadata>> stat_path(std::string path, bool follow) {
    detail::file_io io(file_request::stat, {}, detail::check_path(path));
    io.request().follow = follow;
    io.set_path(std::move(path));
    io_result<std::size_t> done = co_await io;
    if (!done) co_return done.error();
    co_return detail::metadata_of(io.request().status);
}

// Reads all of `path` into a string or a vector of bytes, sized by the file's length
// (and grown if it grows meanwhile).
template <typename Container>
task<io_result<Container>> read_whole(std::string path) {
    io_result<file> opened = co_await file::open(std::move(path));
    if (!opened) co_return opened.error();
    file& f = *opened;
    io_result<file_metadata> about = co_await f.metadata();
    if (!about) co_return about.error();
    Container all;
    std::size_t filled = 0;
    // One byte more than the length: the read that finds the end is then the second.
    all.resize(static_cast<std::size_t>(about->size) + 1);
    for (;;) {
        if (filled == all.size()) all.resize(std::max<std::size_t>(all.size() * 2, 4096));
        auto* at = reinterpret_cast<std::byte*>(all.data()) + filled;
        io_result<std::size_t> n = co_await f.read(std::span<std::byte>(at, all.size() - filled));
        if (!n) co_return n.error();
        if (*n == 0) break;
        filled += *n;
    }
    all.resize(filled);
    if (io_result<void> closed = co_await f.close(); !closed) co_return closed.error();
    co_return all;
}

}  // namespace

task<io_result<std::string>> read_file(std::string path) {
    io_result<std::string> all = co_await read_whole<std::string>(std::move(path));
    co_return all;
}

task<io_result<std::vector<std::byte>>> read_file_bytes(std::string path) {
    io_result<std::vector<std::byte>> all =
        co_await read_whole<std::vector<std::byte>>(std::move(path));
    co_return all;
}

task<io_result<void>> write_file(std::string path, std::span<const std::byte> data) {
    io_result<file> made = co_await file::create(std::move(path));
    if (!made) co_return made.error();
    file& f = *made;
    if (io_result<std::size_t> n = co_await write_all(f, data); !n) co_return n.error();
    io_result<void> closed = co_await f.close();
    co_return closed;
}

task<io_result<void>> write_file(std::string path, std::string_view data) {
    io_result<void> done = co_await write_file(std::move(path), std::as_bytes(std::span(data)));
    co_return done;
}

task<io_result<std::uint64_t>> copy_file(std::string from, std::string to) {
    // Asked by path first: opening a FIFO to read would wait for a writer.
    io_result<file_metadata> about = co_await metadata(from);
    if (!about) co_return about.error();
    if (about->is_directory()) co_return std::errc::is_a_directory;
    if (!about->is_file()) co_return std::errc::invalid_argument;
    io_result<file> source = co_await file::open(std::move(from));
    if (!source) co_return source.error();
    const auto mode = static_cast<std::uint32_t>(about->permissions) & 07777U;
    // Not truncated when opened: a copy onto the file itself would empty it first. The
    // length is set once everything is written.
    io_result<file> target =
        co_await file::open(std::move(to), open_options().write(true).create(true).mode(mode));
    if (!target) co_return target.error();
    std::vector<std::byte> current(copy_file_buffer_size);
    std::vector<std::byte> next(copy_file_buffer_size);
    std::uint64_t total = 0;
    io_result<std::size_t> n = co_await source->read(current);
    while (n && *n > 0) {
        const std::span<const std::byte> full(current.data(), *n);
        auto [written, read] = co_await when_all(write_all(*target, full), source->read(next));
        if (!written) co_return written.error();
        total += *n;
        n = read;
        std::swap(current, next);
    }
    if (!n) co_return n.error();
    if (io_result<void> cut = co_await target->set_len(total); !cut) co_return cut.error();
    if (io_result<void> closed = co_await target->close(); !closed) co_return closed.error();
    co_return total;
}

task<io_result<void>> remove_file(std::string path) {
    io_result<void> done = co_await path_request(file_request::unlink, std::move(path), {}, 0);
    co_return done;
}

task<io_result<void>> rename(std::string from, std::string to) {
    io_result<void> done =
        co_await path_request(file_request::rename, std::move(from), std::move(to), 0);
    co_return done;
}

task<io_result<void>> create_directory(std::string path, std::uint32_t mode) {
    io_result<void> done =
        co_await path_request(file_request::mkdir, std::move(path), {}, mode & 07777);
    co_return done;
}

// Makes the directory, and its parent first when that is what is missing; a directory
// that is there already (made meanwhile by someone else, say) is fine.
task<io_result<void>> create_directories(std::string path, std::uint32_t mode) {
    io_result<void> made = co_await create_directory(path, mode);
    if (made) co_return made;
    if (made.error() == std::errc::no_such_file_or_directory) {
        const std::string parent = std::filesystem::path(path).parent_path().string();
        if (parent.empty() || parent == path) co_return made;
        io_result<void> above = co_await create_directories(parent, mode);
        if (!above) co_return above;
        made = co_await create_directory(path, mode);
        if (made) co_return made;
    }
    if (made.error() != std::errc::file_exists) co_return made;
    io_result<file_metadata> there = co_await metadata(path);
    if (there && there->is_directory()) co_return io_result<void>{};
    co_return made;
}

task<io_result<void>> remove_directory(std::string path) {
    io_result<void> done = co_await path_request(file_request::rmdir, std::move(path), {}, 0);
    co_return done;
}

task<io_result<file_metadata>> metadata(std::string path) {
    io_result<file_metadata> about = co_await stat_path(std::move(path), true);
    co_return about;
}

task<io_result<file_metadata>> symlink_metadata(std::string path) {
    io_result<file_metadata> about = co_await stat_path(std::move(path), false);
    co_return about;
}

task<io_result<std::vector<directory_entry>>> read_directory(std::string path) {
    detail::file_io io(file_request::list, {}, detail::check_path(path));
    io.set_path(std::move(path));
    io_result<std::size_t> done = co_await io;
    if (!done) co_return done.error();
    co_return std::move(io.request().entries);
}

}  // namespace interop
