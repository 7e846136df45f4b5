// The standard streams. The operating system's part (which descriptors poll, the
// duplicates, the flags of a shared description) is the adapter kit's posix_stdio.hpp;
// here a polled descriptor becomes a pipe's end of the runtime (pipe_adopt), and one
// that cannot be polled is read and written on the blocking pool.
#include "interop/stdio.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <vector>

#include "interop/blocking.hpp"
#include "interop/runtime/posix_stdio.hpp"
#include "interop/this_task.hpp"

namespace interop {
namespace detail {

namespace posix = kit::posix;

// What a stream keeps beyond its runtime handle. Shared with the blocking calls in
// flight, so that a stream closed or destroyed meanwhile leaves them a descriptor: the
// last owner closes it and gives the description's flags back.
struct stdio_state {
    explicit stdio_state(const posix::stdio_descriptor& d) noexcept : descriptor(d) {}
    stdio_state(const stdio_state&) = delete;
    stdio_state& operator=(const stdio_state&) = delete;
    ~stdio_state() {
        if (descriptor.path == posix::stdio_path::blocking && descriptor.fd >= 0) {
            ::close(descriptor.fd);
        }
        posix::release_standard_stream(descriptor);
    }

    posix::stdio_descriptor descriptor;  // for a polled one, fd belongs to the runtime
    std::atomic<bool> closed{false};
    std::atomic<bool> reading{false};
    std::atomic<bool> writing{false};
    std::vector<std::byte> kept;  // read by a cancelled call, for the next read
    std::size_t kept_from = 0;
};

namespace {

// Clears a busy flag when the operation ends, however it ends.
class busy_guard {
public:
    explicit busy_guard(std::atomic<bool>& flag) noexcept : flag_(flag) {}
    busy_guard(const busy_guard&) = delete;
    busy_guard& operator=(const busy_guard&) = delete;
    ~busy_guard() { flag_.store(false, std::memory_order_release); }

private:
    std::atomic<bool>& flag_;
};

std::error_code error_of(std::errc e) { return std::make_error_code(e); }

}  // namespace

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

bool standard_stream::is_open() const noexcept {
    return socket_.is_open() ||
           (state_ != nullptr && !state_->closed.load(std::memory_order_acquire));
}

ready_result<void> standard_stream::close() noexcept {
    (void)socket_.close();
    if (state_) state_->closed.store(true, std::memory_order_release);
    state_.reset();
    return ready_result<void>{io_result<void>{}};
}

task<io_result<std::size_t>> standard_stream::read(std::span<std::byte> buffer) {
    if (!is_open()) co_return error_of(std::errc::bad_file_descriptor);
    if (buffer.empty()) co_return error_of(std::errc::invalid_argument);
    if (socket_.is_open()) {
        io_result<std::size_t> n = co_await socket_.read(buffer);
        co_return n;
    }
    io_result<std::size_t> n = co_await read_blocking(buffer);
    co_return n;
}

task<io_result<std::size_t>> standard_stream::write(std::span<const std::byte> buffer) {
    if (!is_open()) co_return error_of(std::errc::bad_file_descriptor);
    if (socket_.is_open()) {
        io_result<std::size_t> n = co_await socket_.write(buffer);
        co_return n;
    }
    if (buffer.empty()) co_return std::size_t{0};
    io_result<std::size_t> n = co_await write_blocking(buffer);
    co_return n;
}

task<io_result<std::size_t>> standard_stream::read_blocking(std::span<std::byte> buffer) {
    const std::shared_ptr<stdio_state> keep = state_;  // the descriptor outlives a close
    stdio_state* state = keep.get();
    if (state->reading.exchange(true, std::memory_order_acq_rel)) {
        co_return error_of(std::errc::device_or_resource_busy);
    }
    const busy_guard busy(state->reading);
    if (state->kept_from < state->kept.size()) {
        const std::size_t n = std::min(buffer.size(), state->kept.size() - state->kept_from);
        std::memcpy(buffer.data(), state->kept.data() + state->kept_from, n);
        state->kept_from += n;
        co_return n;
    }
    const int fd = state->descriptor.fd;
    std::byte* data = buffer.data();
    const std::size_t size = buffer.size();
    io_result<posix::attempt> done =
        co_await spawn_blocking([fd, data, size] { return posix::blocking_read(fd, data, size); });
    if (!done) co_return done.error();  // cancelled before the call started
    if (state->closed.load(std::memory_order_acquire)) {
        co_return error_of(std::errc::operation_canceled);
    }
    if (done->error) co_return done->error;
    task_context* context = co_await current_context();
    if (done->bytes > 0 && context != nullptr && context->stop_token.stop_requested()) {
        // Cancelled while the call ran: the bytes wait for the next read.
        state->kept.assign(data, data + done->bytes);
        state->kept_from = 0;
        co_return error_of(std::errc::operation_canceled);
    }
    co_return done->bytes;
}

task<io_result<std::size_t>> standard_stream::write_blocking(std::span<const std::byte> buffer) {
    const std::shared_ptr<stdio_state> keep = state_;
    stdio_state* state = keep.get();
    if (state->writing.exchange(true, std::memory_order_acq_rel)) {
        co_return error_of(std::errc::device_or_resource_busy);
    }
    const busy_guard busy(state->writing);
    const int fd = state->descriptor.fd;
    const std::byte* data = buffer.data();
    const std::size_t size = buffer.size();
    io_result<posix::attempt> done =
        co_await spawn_blocking([fd, data, size] { return posix::blocking_write(fd, data, size); });
    if (!done) co_return done.error();  // cancelled before the call started: nothing written
    if (done->error) co_return done->error;
    co_return done->bytes;  // what was written, also when cancelled meanwhile
}

io_result<standard_stream> open_standard_stream(runtime_ref rt, int fd,
                                                stdio_direction direction) noexcept {
    if (!rt.has(cap_stdio)) return error_of(std::errc::operation_not_supported);
    try {
        posix::stdio_descriptor d;
        if (const std::error_code error =
                posix::open_standard_stream(fd, direction == stdio_direction::write, &d)) {
            return error;
        }
        if (d.path == posix::stdio_path::blocking && !rt.has(cap_blocking_offload)) {
            ::close(d.fd);
            return error_of(std::errc::operation_not_supported);
        }
        // From here the state owns the descriptor (a blocking one) and its registration.
        standard_stream stream;
        stream.rt_ = rt;
        try {
            stream.state_ = std::make_shared<stdio_state>(d);
        } catch (const std::bad_alloc&) {
            stdio_state release(d);
            return error_of(std::errc::not_enough_memory);
        }
        if (d.path == posix::stdio_path::pollable) {
            socket_handle handle = nullptr;
            // The runtime owns the descriptor now, also when adopting it fails.
            const std::error_code error = rt.vtable->pipe_adopt(rt.self, d.fd, &handle);
            stream.state_->descriptor.fd = -1;
            if (error) return error;
            stream.socket_ = stream_socket(rt, handle);
        }
        return stream;
    } catch (const std::bad_alloc&) {
        return error_of(std::errc::not_enough_memory);
    }
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
