/// \file
/// A listening TCP socket.
///
///     auto listener = co_await interop::tcp_listener::bind(
///         interop::endpoint::parse("127.0.0.1:0").value());
///     auto port = listener->local_endpoint()->port;  // port 0 picked a free one
///     auto conn = co_await listener->accept();       // io_result<tcp_stream>
///
/// A cancelled accept loses no connection: it stays in the backlog for the next one.
/// Like a stream, a listener may outlive its runtime: its socket was closed with the
/// runtime, every use fails with bad_file_descriptor, and destroying it does nothing.
///
/// Out of descriptors or memory, accept reports it: too_many_files_open,
/// too_many_files_open_in_system, no_buffer_space or not_enough_memory, and the
/// connections waiting in the backlog stay there (none is accepted and closed behind
/// the program's back). After a failed accept (for that or any other reason but
/// cancellation, a closed listener or a socket that does not listen, invalid_argument)
/// the next accept on the listener waits a short back-off before it tries again (5 ms,
/// doubling while the errors go on, up to 100 ms; a success resets it), so a loop
/// that retries at once does not spin.
/// interop::serve (serve.hpp) is such a loop.
///
/// close() ends every pending accept on the listener with operation_canceled, one
/// that is waiting out a back-off included. A listener must stay where it is while an
/// accept on it is pending (not moved, not destroyed), as an Asio acceptor must; and,
/// like an Asio acceptor, a listener is not closed on one thread while another thread
/// starts an accept on it (to stop an accept loop from anywhere, cancel it).
#pragma once

#include <optional>
#include <string_view>

#include "interop/detail/listener_socket.hpp"
#include "interop/net/tcp_stream.hpp"

namespace interop {

namespace detail {
struct bind_awaitable;
}  // namespace detail

/// A listening TCP socket; a cancelled accept loses no connection.
class tcp_listener : public detail::listener_socket {
public:
    tcp_listener() noexcept = default;
    tcp_listener(runtime_ref rt, socket_handle s) noexcept : listener_socket(rt, s) {}

    static constexpr int default_backlog = 1024;

    /// Binds and listens on the awaiting task's runtime (port 0 picks a free port).
    static detail::bind_awaitable bind(const endpoint& local,
                                       int backlog = default_backlog) noexcept;
    /// "127.0.0.1:0", "[::1]:8080"; anything else is invalid_argument.
    static detail::bind_awaitable bind(std::string_view address,
                                       int backlog = default_backlog) noexcept;
    /// Binds directly on a runtime, from outside a task.
    static io_result<tcp_listener> bind(runtime_ref rt, const endpoint& local,
                                        int backlog = default_backlog) noexcept;

    [[nodiscard]] detail::accept_as<tcp_stream> accept() noexcept {
        return detail::accept_as<tcp_stream>{this};
    }
    io_result<endpoint> local_endpoint() const noexcept;
};

namespace detail {

struct bind_awaitable {
    endpoint local;
    int backlog;
    std::errc precheck;
    std::optional<io_result<tcp_listener>> result;

    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        bind_on(runtime_of(awaiter, "interop::tcp_listener::bind"));
        return false;
    }
    io_result<tcp_listener> await_resume() noexcept;
    void bind_on(runtime_ref rt) noexcept;
};

}  // namespace detail

inline detail::bind_awaitable tcp_listener::bind(const endpoint& local, int backlog) noexcept {
    return detail::bind_awaitable{local, backlog, std::errc{}, std::nullopt};
}

}  // namespace interop
