// file: an open file of a runtime, each call one file_operation (runtime/interface.hpp).
#include "interop/file.hpp"

#include <limits>
#include <utility>

#include "file_detail.hpp"
#include "interop/this_task.hpp"

namespace interop {

namespace {

constexpr auto max_offset = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// The same rules as std::fs::OpenOptions: something to do, and no contradiction.
std::errc check_options(std::uint32_t flags) noexcept {
    const bool reads = (flags & file_open_read) != 0;
    const bool writes = (flags & (file_open_write | file_open_append)) != 0;
    if (!reads && !writes) return std::errc::invalid_argument;
    const bool makes = (flags & (file_open_create | file_open_exclusive)) != 0;
    const bool truncates = (flags & file_open_truncate) != 0;
    if ((makes || truncates) && !writes) return std::errc::invalid_argument;
    if (truncates && (flags & file_open_append) != 0) return std::errc::invalid_argument;
    return {};
}

}  // namespace

file::file(runtime_ref rt, int fd) noexcept
    : rt_(rt),
      fd_(fd),
      lifetime_(fd >= 0 ? rt.vtable->core(rt.self)->lifetime() : runtime_lifetime{}) {}

file::file(file&& other) noexcept
    : rt_(other.rt_), fd_(std::exchange(other.fd_, -1)), lifetime_(other.lifetime_) {}

file& file::operator=(file&& other) noexcept {
    if (this != &other) {
        release();
        rt_ = other.rt_;
        fd_ = std::exchange(other.fd_, -1);
        lifetime_ = other.lifetime_;
    }
    return *this;
}

file::~file() { release(); }

task<io_result<file>> file::open(std::string path, open_options options) {
    std::errc precheck = detail::check_path(path);
    if (precheck == std::errc{}) precheck = check_options(options.flags());
    detail::file_io call(file_request::open, {}, precheck);
    call.request().open_flags = options.flags();
    call.request().mode = options.mode();
    call.set_path(std::move(path));
    io_result<std::size_t> done = co_await call;
    if (!done) co_return done.error();
    task_context* ctx = co_await current_context();
    co_return file{ctx->runtime, call.request().fd};
}

task<io_result<file>> file::open(std::string path) {
    return open(std::move(path), open_options().read(true));
}

task<io_result<file>> file::create(std::string path) {
    return open(std::move(path), open_options().write(true).create(true).truncate(true));
}

detail::file_io file::call(file_request request, std::errc precheck,
                           std::atomic<bool>* busy) noexcept {
    if (!is_open()) precheck = std::errc::bad_file_descriptor;
    detail::file_io io(request, rt_, precheck, busy);
    io.request().fd = fd_;
    return io;
}

detail::file_io file::transfer(file_request request, std::int64_t offset, std::byte* data,
                               std::size_t size) noexcept {
    const bool reading = request == file_request::read;
    // 0 is reserved for the end of the file (call() puts a closed file first).
    const std::errc precheck = reading && size == 0 ? std::errc::invalid_argument : std::errc{};
    detail::file_io io = call(request, precheck, reading ? &reading_ : &writing_);
    io.request().offset = offset;
    io.request().data = data;
    io.request().size = size;
    return io;
}

detail::file_io file::read(std::span<std::byte> buffer) noexcept {
    return transfer(file_request::read, -1, buffer.data(), buffer.size());
}

detail::file_io file::write(std::span<const std::byte> buffer) noexcept {
    // The request only reads through the pointer of a write.
    return transfer(file_request::write, -1, const_cast<std::byte*>(buffer.data()), buffer.size());
}

detail::file_io file::read_at(std::uint64_t offset, std::span<std::byte> buffer) noexcept {
    if (offset > max_offset) {
        return detail::file_io(file_request::read, rt_, std::errc::invalid_argument);
    }
    return transfer(file_request::read, static_cast<std::int64_t>(offset), buffer.data(),
                    buffer.size());
}

detail::file_io file::write_at(std::uint64_t offset, std::span<const std::byte> buffer) noexcept {
    if (offset > max_offset) {
        return detail::file_io(file_request::write, rt_, std::errc::invalid_argument);
    }
    return transfer(file_request::write, static_cast<std::int64_t>(offset),
                    const_cast<std::byte*>(buffer.data()), buffer.size());
}

namespace {

// A request that completes inside file_call (close, seek): its result, at once.
struct at_once : file_operation {
    at_once() noexcept : file_operation(&at_once::done) {}
    static void done(operation* base, std::error_code ec, std::size_t n) noexcept {
        auto* self = static_cast<at_once*>(base);
        self->error = ec;
        self->result = n;
    }
    std::error_code error;
    std::size_t result = 0;
};

}  // namespace

detail::ready_result<std::uint64_t> file::seek(std::int64_t offset, seek_origin from) noexcept {
    if (!is_open()) return {io_result<std::uint64_t>{std::errc::bad_file_descriptor}};
    at_once op;
    op.request = file_request::seek;
    op.fd = fd_;
    op.offset = offset;
    op.whence = from == seek_origin::start ? 0 : from == seek_origin::current ? 1 : 2;
    rt_.vtable->file_call(rt_.self, &op);
    if (op.error) return {io_result<std::uint64_t>{op.error}};
    return {io_result<std::uint64_t>{static_cast<std::uint64_t>(op.result)}};
}

task<io_result<void>> file::simple(file_request request, bool data_only, std::int64_t length,
                                   std::errc precheck) {
    detail::file_io io = call(request, precheck);
    io.request().data_only = data_only;
    io.request().offset = length;
    io_result<std::size_t> done = co_await io;
    if (!done) co_return done.error();
    co_return io_result<void>{};
}

task<io_result<void>> file::sync_all() { return simple(file_request::sync, false, -1); }

task<io_result<void>> file::sync_data() { return simple(file_request::sync, true, -1); }

task<io_result<void>> file::set_len(std::uint64_t length) {
    if (length > max_offset)
        return simple(file_request::truncate, false, 0, std::errc::invalid_argument);
    return simple(file_request::truncate, false, static_cast<std::int64_t>(length));
}

task<io_result<file_metadata>> file::metadata() {
    detail::file_io io = call(file_request::stat);
    io_result<std::size_t> done = co_await io;
    if (!done) co_return done.error();
    co_return detail::metadata_of(io.request().status);
}

detail::ready_result<void> file::close() noexcept {
    if (fd_ < 0) return {io_result<void>{}};
    if (reading_.load(std::memory_order_acquire) || writing_.load(std::memory_order_acquire)) {
        return {io_result<void>{std::errc::device_or_resource_busy}};
    }
    if (!lifetime_.alive()) {
        fd_ = -1;
        return {io_result<void>{std::errc::bad_file_descriptor}};
    }
    at_once op;
    op.request = file_request::close;
    op.fd = std::exchange(fd_, -1);
    rt_.vtable->file_call(rt_.self, &op);
    if (op.error) return {io_result<void>{op.error}};
    return {io_result<void>{}};
}

// The runtime closes a descriptor of a runtime that is gone no more: it must not be
// called then, and the descriptor stays open (docs/files.md).
void file::release() noexcept { (void)close(); }

}  // namespace interop
