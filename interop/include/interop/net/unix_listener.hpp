/// \file
/// A listening Unix domain stream socket, with every rule of tcp_listener
/// (tcp_listener.hpp): a cancelled accept loses no connection, close() ends pending
/// accepts, the back-off after a failed accept.
///
///     auto listener = co_await interop::unix_listener::bind("/run/app.sock");
///     auto conn = co_await listener->accept();  // io_result<unix_stream>
///
/// The socket file: bind creates it, and fails with address_in_use when the path
/// exists (a stale file of a program that died is the program's to remove). The
/// listener that created it removes it when it is closed or destroyed, as Go's
/// listener does and libuv's pipe does (Asio and tokio leave it), so a program that
/// closes its listener can bind the same path again: the path as it was when bound
/// (made absolute then), and only while a socket is there. Like Go and libuv it cannot
/// tell its own socket file from one that another program bound at the same path
/// after removing this one's: give each instance its own path (or an abstract name)
/// where two may overlap. A moved-from listener removes nothing; an abstract name has
/// no file. A bind that fails leaves no file behind.
///
/// Needs cap_unix; on a runtime without it bind is operation_not_supported.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "interop/detail/listener_socket.hpp"
#include "interop/net/unix_stream.hpp"

namespace interop {

namespace detail {
struct unix_bind_awaitable;
}  // namespace detail

/// A listening Unix domain stream socket; a cancelled accept loses no connection.
class unix_listener : public detail::listener_socket {
public:
    unix_listener() noexcept = default;
    /// Takes over a listening Unix socket of `rt`, whose socket file (an absolute path;
    /// empty: none) it removes when closed.
    unix_listener(runtime_ref rt, socket_handle s, std::string file) noexcept
        : listener_socket(rt, s), file_(std::move(file)) {}
    unix_listener(unix_listener&& other) noexcept
        : listener_socket(std::move(other)), file_(std::exchange(other.file_, {})) {}
    unix_listener& operator=(unix_listener&& other) noexcept {
        if (this != &other) {
            (void)close();
            file_ = std::exchange(other.file_, {});
            listener_socket::operator=(std::move(other));
        }
        return *this;
    }
    ~unix_listener() { (void)close(); }

    static constexpr int default_backlog = 1024;

    /// Binds and listens at `path` on the awaiting task's runtime.
    static detail::unix_bind_awaitable bind(const unix_address& path,
                                            int backlog = default_backlog) noexcept;
    /// The same for a path given as text (unix_address::from_path's rules).
    static detail::unix_bind_awaitable bind(std::string_view path,
                                            int backlog = default_backlog) noexcept;
    /// Binds directly on a runtime, from outside a task.
    static io_result<unix_listener> bind(runtime_ref rt, const unix_address& path,
                                         int backlog = default_backlog) noexcept;

    [[nodiscard]] detail::accept_as<unix_stream> accept() noexcept {
        return detail::accept_as<unix_stream>{this};
    }
    io_result<unix_address> local_address() const noexcept;
    /// Releases the socket and removes its file; pending accepts complete with
    /// operation_canceled.
    [[nodiscard]] detail::ready_result<void> close() noexcept;

private:
    void remove_file() noexcept;

    std::string file_;  // the socket file to remove, absolute; empty once removed or moved
};

namespace detail {

struct unix_bind_awaitable {
    io_result<unix_address> path;
    int backlog;
    std::optional<io_result<unix_listener>> result;

    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        const runtime_ref rt = runtime_of(awaiter, "interop::unix_listener::bind");
        if (path) {
            result.emplace(unix_listener::bind(rt, *path, backlog));
        } else {
            result.emplace(path.error());
        }
        return false;
    }
    io_result<unix_listener> await_resume() noexcept { return std::move(*result); }
};

}  // namespace detail

inline detail::unix_bind_awaitable unix_listener::bind(const unix_address& path,
                                                       int backlog) noexcept {
    return detail::unix_bind_awaitable{path, backlog, std::nullopt};
}

inline detail::unix_bind_awaitable unix_listener::bind(std::string_view path,
                                                       int backlog) noexcept {
    return detail::unix_bind_awaitable{unix_address::from_path(path), backlog, std::nullopt};
}

}  // namespace interop
