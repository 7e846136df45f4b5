/// \file
/// A connected TCP stream. Models AsyncRead, AsyncWrite and AsyncClose.
///
/// - read(buf) completes with at least one byte, or 0 at end of stream (and 0 means
///   nothing else); an empty buffer is invalid_argument. A cancelled read consumes
///   nothing: the bytes wait for the next read.
/// - write(buf) writes at least one byte and reports how many; an empty buffer
///   completes with 0 at once. write_all(buf) writes every byte (or fails).
/// - One read and one write may be pending at the same time (from two tasks).
/// - A second read while one is pending (or a second write while one is pending)
///   fails at once with device_or_resource_busy; the pending one goes on unaffected.
/// - Any use after close() fails with bad_file_descriptor; closing twice is harmless.
/// - Destroying an open stream closes it synchronously.
/// - A stream may outlive its runtime (kept past interop::run, destroyed at the end of
///   main): destroying the runtime closed its socket, every use then fails with
///   bad_file_descriptor, and closing or destroying it does nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/detail/stream_io.hpp"
#include "interop/detail/stream_write_all.hpp"
#include "interop/endpoint.hpp"
#include "interop/io_result.hpp"

namespace interop {

class tcp_stream;

namespace detail {

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

/// A connected TCP stream. Models AsyncRead, AsyncWrite and AsyncClose.
class tcp_stream {
public:
    tcp_stream() noexcept = default;
    /// Takes over a socket of `rt` (what accept and connect do).
    tcp_stream(runtime_ref rt, socket_handle s) noexcept
        : rt_(rt),
          socket_(s),
          lifetime_(s ? rt.vtable->core(rt.self)->lifetime() : runtime_lifetime{}) {}
    tcp_stream(tcp_stream&& other) noexcept
        : rt_(other.rt_),
          socket_(std::exchange(other.socket_, nullptr)),
          lifetime_(other.lifetime_) {}
    tcp_stream& operator=(tcp_stream&& other) noexcept {
        if (this != &other) {
            release();
            rt_ = other.rt_;
            socket_ = std::exchange(other.socket_, nullptr);
            lifetime_ = other.lifetime_;
        }
        return *this;
    }
    ~tcp_stream() { release(); }

    /// Connects to `peer` on the awaiting task's runtime.
    static detail::connect_awaitable connect(const endpoint& peer) noexcept {
        return detail::connect_awaitable{peer, std::errc{}};
    }
    /// Connects to a numeric address such as "127.0.0.1:8080" or "[::1]:8080";
    /// anything else is invalid_argument.
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

    /// Writes every byte of `data`; interop::write_all(stream, data) comes here. Costs
    /// no coroutine frame when the first write takes everything (see
    /// detail/stream_write_all.hpp); behaves as the generic write_all otherwise.
    [[nodiscard]] detail::stream_write_all write_all(std::span<const std::byte> data) noexcept {
        return detail::stream_write_all{rt_, socket_, data,
                                        usable() ? std::errc{} : std::errc::bad_file_descriptor};
    }

    /// Sends FIN: the peer reads end of stream; reading from it still works.
    io_result<void> shutdown_write() noexcept;
    /// Releases the socket; pending operations complete with operation_canceled.
    [[nodiscard]] detail::ready_result<void> close() noexcept;

    io_result<endpoint> local_endpoint() const noexcept;
    io_result<endpoint> peer_endpoint() const noexcept;
    io_result<void> set_no_delay(bool enabled) noexcept;

    /// Open, on a runtime that still exists.
    bool is_open() const noexcept { return usable(); }
    runtime_ref runtime() const noexcept { return rt_; }

private:
    bool usable() const noexcept { return socket_ != nullptr && lifetime_.alive(); }

    detail::stream_io io(op_kind kind, std::byte* data, std::size_t size, bool is_read) noexcept {
        std::errc precheck{};
        if (!usable()) {
            precheck = std::errc::bad_file_descriptor;
        } else if (is_read && size == 0) {
            precheck = std::errc::invalid_argument;  // 0 is reserved for end of stream
        }
        return detail::stream_io{kind, rt_, socket_, data, size, precheck};
    }
    void release() noexcept;

    runtime_ref rt_{};
    socket_handle socket_ = nullptr;
    runtime_lifetime lifetime_;  // whether rt_ still exists
};

}  // namespace interop
