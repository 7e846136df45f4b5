/// \file
/// A connected Unix domain stream socket. Models AsyncRead, AsyncWrite and AsyncClose
/// with every rule of tcp_stream (tcp_stream.hpp): one read and one write pending,
/// a cancelled read consumes nothing, 0 is end of stream, bad_file_descriptor after
/// close. So every byte-stream helper works on it unchanged.
///
///     auto conn = co_await interop::unix_stream::connect("/run/app.sock");
///     auto [a, b] = (co_await interop::unix_stream::pair()).value();  // socketpair
///
/// A connect never waits for the listener to accept: with its backlog full it fails
/// at once with resource_unavailable_try_again (as a Unix connect does on Linux).
/// Needs cap_unix; on a runtime without it every call is operation_not_supported.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/stream_socket.hpp"
#include "interop/unix_address.hpp"

namespace interop {

class unix_stream;

namespace detail {

template <typename Stream>
class accept_as;

class unix_connect_awaitable
    : public leaf_operation<unix_connect_operation, unix_connect_awaitable> {
public:
    static constexpr const char* operation_name = "interop::unix_stream::connect";

    unix_connect_awaitable(const unix_address& to, std::errc precheck) noexcept
        : path_(to), precheck_(precheck) {}
    unix_connect_awaitable(unix_connect_awaitable&&) noexcept = default;

    bool await_ready() const noexcept { return precheck_ != std::errc{}; }
    void start(runtime_ref rt) noexcept {
        rt_ = rt;
        op().path = path_;
        rt.vtable->unix_connect(rt.self, &op());
    }
    io_result<unix_stream> await_resume() noexcept;

private:
    unix_address path_;
    std::errc precheck_;
    runtime_ref rt_{};
};

struct unix_pair_awaitable;

}  // namespace detail

/// A connected Unix domain stream socket. Models AsyncRead, AsyncWrite and AsyncClose.
class unix_stream : public detail::stream_socket {
public:
    unix_stream() noexcept = default;
    /// Takes over a Unix stream socket of `rt`.
    unix_stream(runtime_ref rt, socket_handle s) noexcept : stream_socket(rt, s) {}

    /// Connects to the listener at `path` on the awaiting task's runtime.
    static detail::unix_connect_awaitable connect(const unix_address& path) noexcept {
        return detail::unix_connect_awaitable{path, std::errc{}};
    }
    /// The same for a path given as text (unix_address::from_path's rules: too long
    /// is filename_too_long; a leading NUL names the abstract namespace).
    static detail::unix_connect_awaitable connect(std::string_view path) noexcept;

    /// Two streams connected to each other, on the awaiting task's runtime.
    static detail::unix_pair_awaitable pair() noexcept;
    /// The same directly on a runtime, from outside a task.
    static io_result<std::pair<unix_stream, unix_stream>> pair(runtime_ref rt) noexcept;

    /// The address this end is bound to: unnamed for a connecting end or a pair's.
    io_result<unix_address> local_address() const noexcept;
    /// The address of the listener this stream connected to (or was accepted by);
    /// unnamed for a pair's other end.
    io_result<unix_address> peer_address() const noexcept;

private:
    // An accept's stream becomes the listener's type of stream, and no other.
    template <typename Stream>
    friend class detail::accept_as;
    explicit unix_stream(stream_socket&& accepted) noexcept : stream_socket(std::move(accepted)) {}

    io_result<unix_address> address_of(bool peer) const noexcept;
};

namespace detail {

struct unix_pair_awaitable {
    std::optional<io_result<std::pair<unix_stream, unix_stream>>> result;

    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        result.emplace(unix_stream::pair(runtime_of(awaiter, "interop::unix_stream::pair")));
        return false;
    }
    io_result<std::pair<unix_stream, unix_stream>> await_resume() noexcept {
        return std::move(*result);
    }
};

}  // namespace detail

inline detail::unix_pair_awaitable unix_stream::pair() noexcept {
    return detail::unix_pair_awaitable{};
}

}  // namespace interop
