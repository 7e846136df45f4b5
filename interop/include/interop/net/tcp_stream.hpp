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

#include <string_view>
#include <utility>

#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/stream_socket.hpp"
#include "interop/endpoint.hpp"
#include "interop/io_result.hpp"

namespace interop {

class tcp_stream;

namespace detail {

template <typename Stream>
class accept_as;

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
class tcp_stream : public detail::stream_socket {
public:
    tcp_stream() noexcept = default;
    /// Takes over a socket of `rt` (what accept and connect do).
    tcp_stream(runtime_ref rt, socket_handle s) noexcept : stream_socket(rt, s) {}

    /// Connects to `peer` on the awaiting task's runtime.
    static detail::connect_awaitable connect(const endpoint& peer) noexcept {
        return detail::connect_awaitable{peer, std::errc{}};
    }
    /// Connects to a numeric address such as "127.0.0.1:8080" or "[::1]:8080";
    /// anything else is invalid_argument.
    static detail::connect_awaitable connect(std::string_view address) noexcept;

    io_result<endpoint> local_endpoint() const noexcept;
    io_result<endpoint> peer_endpoint() const noexcept;
    io_result<void> set_no_delay(bool enabled) noexcept;

private:
    // An accept's stream becomes the listener's type of stream, and no other: a TCP
    // stream is never made from a Unix one.
    template <typename Stream>
    friend class detail::accept_as;
    explicit tcp_stream(stream_socket&& accepted) noexcept : stream_socket(std::move(accepted)) {}
};

}  // namespace interop
