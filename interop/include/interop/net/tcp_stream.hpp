// A connected TCP stream. Models AsyncRead, AsyncWrite and AsyncClose.
//
// - read(buf) completes with at least one byte, or 0 at end of stream (and 0 means
//   nothing else); an empty buffer is invalid_argument. A cancelled read consumes
//   nothing: the bytes wait for the next read.
// - write(buf) writes at least one byte and reports how many; an empty buffer
//   completes with 0 at once.
// - One read and one write may be pending at the same time (from two tasks).
// - Any use after close() fails with bad_file_descriptor; closing twice is harmless.
// - Destroying an open stream closes it synchronously.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "interop/detail/leaf_operation.hpp"
#include "interop/endpoint.hpp"
#include "interop/io_result.hpp"

namespace interop {

class tcp_stream;

namespace detail {

// An operation that is already decided before it starts (bad input, closed stream).
template <typename T>
struct ready_result {
    io_result<T> value;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    io_result<T> await_resume() noexcept { return std::move(value); }
};

class stream_io : public leaf_operation<io_operation, stream_io> {
public:
    static constexpr const char* operation_name = "interop::tcp_stream read/write";

    // The operation is filled in here, once: its fields are the only copy of the
    // request (an awaiter lives in the awaiting frame, next to the caller's buffer, and
    // every byte of it is touched per message).
    stream_io(op_kind direction, runtime_ref rt, socket_handle s, std::byte* buffer,
              std::size_t length, std::errc precheck) noexcept
        : rt_(rt), precheck_(precheck) {
        fill(direction, s, buffer, length);
    }
    stream_io(stream_io&& other) noexcept
        : leaf_operation(std::move(other)), rt_(other.rt_), precheck_(other.precheck_) {
        fill(other.op().kind, other.op().socket, other.op().data, other.op().size);
    }

    bool await_ready() const noexcept { return precheck_ != std::errc{} || this->size == 0; }
    runtime_ref select_runtime(runtime_ref) const noexcept { return rt_; }
    void start(runtime_ref rt) noexcept {
        if (op().kind == op_kind::read) {
            rt.vtable->read(rt.self, &op());
        } else {
            rt.vtable->write(rt.self, &op());
        }
    }
    io_result<std::size_t> await_resume() noexcept {
        if (precheck_ != std::errc{}) return precheck_;
        if (this->size == 0) return std::size_t{0};
        finish();
        if (error()) return error();
        return transferred();
    }

private:
    void fill(op_kind direction, socket_handle s, std::byte* buffer, std::size_t length) noexcept {
        op().kind = direction;
        op().socket = s;
        op().data = buffer;
        op().size = length;
    }

    runtime_ref rt_;
    std::errc precheck_;
};

class connect_awaitable : public leaf_operation<connect_operation, connect_awaitable> {
public:
    static constexpr const char* operation_name = "interop::tcp_stream::connect";

    connect_awaitable(endpoint to, std::errc precheck) noexcept : peer_(to), precheck_(precheck) {}
    connect_awaitable(connect_awaitable&&) noexcept = default;

    bool await_ready() const noexcept { return precheck_ != std::errc{}; }
    void start(runtime_ref rt) noexcept {
        rt_ = rt;
        op().peer = peer_;
        rt.vtable->tcp_connect(rt.self, &op());
    }
    io_result<tcp_stream> await_resume() noexcept;

private:
    endpoint peer_;
    std::errc precheck_;
    runtime_ref rt_{};
};

}  // namespace detail

class tcp_stream {
public:
    tcp_stream() noexcept = default;
    tcp_stream(runtime_ref rt, socket_handle s) noexcept : rt_(rt), socket_(s) {}
    tcp_stream(tcp_stream&& other) noexcept
        : rt_(other.rt_), socket_(std::exchange(other.socket_, nullptr)) {}
    tcp_stream& operator=(tcp_stream&& other) noexcept {
        if (this != &other) {
            release();
            rt_ = other.rt_;
            socket_ = std::exchange(other.socket_, nullptr);
        }
        return *this;
    }
    ~tcp_stream() { release(); }

    // Connects to `peer` on the awaiting task's runtime.
    static detail::connect_awaitable connect(const endpoint& peer) noexcept {
        return detail::connect_awaitable{peer, std::errc{}};
    }
    // Connects to a numeric address such as "127.0.0.1:8080" or "[::1]:8080";
    // anything else is invalid_argument.
    static detail::connect_awaitable connect(std::string_view address) noexcept;

    [[nodiscard]] detail::stream_io read(std::span<std::byte> buffer) noexcept {
        return io(op_kind::read, buffer.data(), buffer.size(), true);
    }
    [[nodiscard]] detail::stream_io read(std::span<char> buffer) noexcept {
        return read(std::as_writable_bytes(buffer));
    }
    [[nodiscard]] detail::stream_io write(std::span<const std::byte> buffer) noexcept {
        // The adapter only reads through the pointer of a write.
        return io(op_kind::write, const_cast<std::byte*>(buffer.data()), buffer.size(), false);
    }
    [[nodiscard]] detail::stream_io write(std::span<const char> buffer) noexcept {
        return write(std::as_bytes(buffer));
    }
    [[nodiscard]] detail::stream_io write(std::string_view text) noexcept {
        return write(std::span<const char>(text.data(), text.size()));
    }

    // Sends FIN: the peer reads end of stream; reading from it still works.
    io_result<void> shutdown_write() noexcept;
    // Releases the socket; pending operations complete with operation_canceled.
    [[nodiscard]] detail::ready_result<void> close() noexcept;

    io_result<endpoint> local_endpoint() const noexcept;
    io_result<endpoint> peer_endpoint() const noexcept;
    io_result<void> set_no_delay(bool enabled) noexcept;

    bool is_open() const noexcept { return socket_ != nullptr; }
    runtime_ref runtime() const noexcept { return rt_; }

private:
    detail::stream_io io(op_kind kind, std::byte* data, std::size_t size, bool is_read) noexcept {
        std::errc precheck{};
        if (socket_ == nullptr) {
            precheck = std::errc::bad_file_descriptor;
        } else if (is_read && size == 0) {
            precheck = std::errc::invalid_argument;  // 0 is reserved for end of stream
        }
        return detail::stream_io{kind, rt_, socket_, data, size, precheck};
    }
    void release() noexcept;

    runtime_ref rt_{};
    socket_handle socket_ = nullptr;
};

}  // namespace interop
