// The standard streams. The operating system's part (which descriptors poll, the
// duplicates, the flags of a shared description) is the adapter kit's posix_stdio.hpp;
// here a polled descriptor becomes a pipe's end of the runtime (pipe_adopt), and one
// that cannot be polled is read and written by the runtime's file calls, as a file's
// descriptor is (interop/file.hpp).
#include "interop/stdio.hpp"

#include <atomic>
#include <new>

#include "interop/detail/file_io.hpp"
#include "interop/runtime/posix_stdio.hpp"

namespace interop {
namespace detail {

namespace posix = kit::posix;

// What a stream keeps beyond its runtime handle. Shared with the file calls in flight,
// so that a stream closed or destroyed meanwhile leaves them a descriptor and their
// busy flags: the last owner closes it and gives the description's flags back.
struct stdio_state {
    stdio_state(const posix::stdio_descriptor& d, runtime_lifetime alive) noexcept
        : descriptor(d), lifetime(alive) {}
    stdio_state(const stdio_state&) = delete;
    stdio_state& operator=(const stdio_state&) = delete;
    ~stdio_state() {
        if (descriptor.fd >= 0) ::close(descriptor.fd);
        posix::release_standard_stream(descriptor);
    }

    // A read or write at the descriptor's position (offset -1), as file::read does.
    file_io transfer(file_request request, runtime_ref rt, std::byte* data,
                     std::size_t size) noexcept {
        std::atomic<bool>* busy = request == file_request::read ? &reading : &writing;
        file_io io(request, rt, std::errc{}, busy);
        io.request().fd = descriptor.fd;
        io.request().offset = -1;
        io.request().data = data;
        io.request().size = size;
        return io;
    }

    posix::stdio_descriptor descriptor;  // once polled, fd is the runtime's (-1 here)
    runtime_lifetime lifetime;           // whether the stream's runtime still exists
    std::atomic<bool> closed{false};
    std::atomic<bool> reading{false};
    std::atomic<bool> writing{false};
};

standard_stream::standard_stream() noexcept = default;
standard_stream::standard_stream(standard_stream&& other) noexcept = default;
standard_stream& standard_stream::operator=(standard_stream&& other) noexcept {
    if (this != &other) {
        socket_ = std::move(other.socket_);  // closes ours first
        state_ = std::move(other.state_);
        rt_ = other.rt_;
    }
    return *this;
}
standard_stream::~standard_stream() = default;

bool standard_stream::polled() const noexcept {
    return state_ != nullptr && state_->descriptor.path == posix::stdio_path::pollable;
}

bool standard_stream::is_open() const noexcept {
    if (polled()) return socket_.is_open();
    return state_ != nullptr && !state_->closed.load(std::memory_order_acquire) &&
           state_->lifetime.alive();
}

ready_result<void> standard_stream::close() noexcept {
    (void)socket_.close();
    if (state_) state_->closed.store(true, std::memory_order_release);
    state_.reset();
    return ready_result<void>{io_result<void>{}};
}

task<io_result<std::size_t>> standard_stream::read(std::span<std::byte> buffer) {
    if (!is_open()) co_return std::errc::bad_file_descriptor;
    if (buffer.empty()) co_return std::errc::invalid_argument;
    if (polled()) {
        io_result<std::size_t> n = co_await socket_.read(buffer);
        co_return n;
    }
    const std::shared_ptr<stdio_state> state = state_;  // the descriptor outlives a close
    file_io call = state->transfer(file_request::read, rt_, buffer.data(), buffer.size());
    io_result<std::size_t> n = co_await call;
    if (state->closed.load(std::memory_order_acquire)) co_return std::errc::operation_canceled;
    co_return n;
}

task<io_result<std::size_t>> standard_stream::write(std::span<const std::byte> buffer) {
    if (!is_open()) co_return std::errc::bad_file_descriptor;
    if (polled()) {
        io_result<std::size_t> n = co_await socket_.write(buffer);
        co_return n;
    }
    if (buffer.empty()) co_return std::size_t{0};
    const std::shared_ptr<stdio_state> state = state_;
    // The request only reads through the pointer of a write.
    file_io call = state->transfer(file_request::write, rt_, const_cast<std::byte*>(buffer.data()),
                                   buffer.size());
    io_result<std::size_t> n = co_await call;
    co_return n;
}

stdio_write_all standard_stream::write_all(std::span<const std::byte> data) {
    if (polled()) return stdio_write_all(socket_.write_all(data));
    return stdio_write_all(write_each(data));
}

task<io_result<std::size_t>> standard_stream::write_each(std::span<const std::byte> data) {
    std::size_t done = 0;
    while (done < data.size()) {
        io_result<std::size_t> n = co_await write(data.subspan(done));
        if (!n) co_return n.error();
        done += *n;
    }
    co_return done;
}

io_result<standard_stream> open_standard_stream(runtime_ref rt, int fd,
                                                stdio_direction direction) noexcept {
    if (!rt.has(cap_stdio)) return std::errc::operation_not_supported;
    posix::stdio_descriptor d;
    if (const std::error_code error =
            posix::open_standard_stream(fd, direction == stdio_direction::write, &d)) {
        return error;
    }
    // From here the state owns the descriptor (until the runtime adopts it) and its
    // registration.
    const runtime_lifetime lifetime = rt.vtable->core(rt.self)->lifetime();
    standard_stream stream;
    stream.rt_ = rt;
    try {
        stream.state_ = std::make_shared<stdio_state>(d, lifetime);
    } catch (const std::bad_alloc&) {
        const stdio_state release(d, lifetime);
        return std::errc::not_enough_memory;
    }
    if (d.path == posix::stdio_path::blocking) {
        if (!rt.has(cap_files)) return std::errc::operation_not_supported;
        return stream;
    }
    // The runtime owns the descriptor now, also when adopting it fails.
    stream.state_->descriptor.fd = -1;
    socket_handle handle = nullptr;
    if (const std::error_code error = rt.vtable->pipe_adopt(rt.self, d.fd, &handle)) return error;
    stream.socket_ = stream_socket(rt, handle);
    return stream;
}

}  // namespace detail

namespace {

template <typename Stream>
io_result<Stream> open_as(runtime_ref rt, int fd, stdio_direction direction) noexcept {
    io_result<detail::standard_stream> s = detail::open_standard_stream(rt, fd, direction);
    if (!s) return s.error();
    return Stream{std::move(*s)};
}

}  // namespace

io_result<stdin_stream> open_stdin(runtime_ref rt) noexcept {
    return open_as<stdin_stream>(rt, STDIN_FILENO, stdio_direction::read);
}

io_result<stdout_stream> open_stdout(runtime_ref rt) noexcept {
    return open_as<stdout_stream>(rt, STDOUT_FILENO, stdio_direction::write);
}

io_result<stderr_stream> open_stderr(runtime_ref rt) noexcept {
    return open_as<stderr_stream>(rt, STDERR_FILENO, stdio_direction::write);
}

}  // namespace interop
