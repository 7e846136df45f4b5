/// \file
/// interop::serve: the accept loop of a server, written once, for a tcp_listener or a
/// unix_listener (the handler then takes a unix_stream).
///
///     co_await interop::serve(listener, [](interop::tcp_stream conn) -> interop::task<> {
///         ... // one connection
///     });
///
/// - Each connection runs handler(std::move(conn)) as a child of a scope, so none
///   outlives serve(); the handler must return a task.
/// - An accept error that leaves the listener usable never ends it: out of descriptors
///   or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), a firewall's refusal (EPERM),
///   anything but a closed listener (a connection aborted while it waited in the
///   backlog is no error at all: the runtime skips it). Each is handed to
///   on_accept_error(std::error_code), when given, and the loop goes on; the
///   listener's own back-off (tcp_listener.hpp) keeps it from spinning while the error
///   lasts.
/// - It ends when the awaiting task is cancelled, returning operation_canceled once
///   every connection has been cancelled and has finished; or when the listener is
///   closed, returning bad_file_descriptor once every connection has finished on its
///   own: closing the listener is a graceful drain. (On a runtime with several
///   threads, stop a server from elsewhere by cancelling serve(): a listener, like an
///   Asio acceptor, is not closed on one thread while another starts an accept on it.)
/// - options.max_connections > 0 caps the connections served at once: at the cap the
///   loop accepts nothing (new connections wait in the backlog) until one ends.
/// - An exception from a handler cancels the other connections and is rethrown by
///   serve(), as in any scope: a handler should turn what one connection does wrong
///   into an error of that connection.
///
/// Like hyper's and axum's serve loops, and Go's http.Server.Serve.
#pragma once

#include <concepts>
#include <cstddef>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "interop/detail/awaited_temporary.hpp"
#include "interop/io_result.hpp"
#include "interop/net/tcp_listener.hpp"
#include "interop/net/unix_listener.hpp"
#include "interop/scope.hpp"
#include "interop/sync/semaphore.hpp"
#include "interop/task.hpp"
#include "interop/this_task.hpp"

namespace interop {

/// Options of serve().
///
/// Trivially destructible, so that it is safe as a temporary in a co_await operand
/// (docs/compilers.md).
struct serve_options {
    /// Connections served at once; 0: no limit.
    std::size_t max_connections = 0;
};

namespace detail {

struct ignore_accept_error {
    void operator()(std::error_code) const noexcept {}
};

// The accept errors after which there is nothing left to serve.
inline bool ends_serving(const std::error_code& ec) noexcept {
    return ec == std::errc::operation_canceled || ec == std::errc::bad_file_descriptor ||
           ec == std::errc::invalid_argument;
}

// The stream a listener's accept gives: tcp_stream, unix_stream.
template <typename Listener>
using accepted_stream_t =
    std::remove_cvref_t<decltype(*std::declval<Listener&>().accept().await_resume())>;

// What serve() takes: a listener, a handler of its streams, a handler of accept errors,
// the two handlers called as the lvalues the loop keeps.
template <typename Listener, typename Handler, typename OnAcceptError>
concept serves = std::derived_from<Listener, listener_socket> &&
    std::invocable<std::add_lvalue_reference_t<std::decay_t<Handler>>,
                   accepted_stream_t<Listener>> &&
    std::invocable<std::add_lvalue_reference_t<std::decay_t<OnAcceptError>>, std::error_code>;

template <typename Handler, typename Stream>
task<void> serve_one(Handler* handler, Stream conn, std::optional<semaphore::permit> permit) {
    // NOLINTNEXTLINE(bugprone-use-after-move): one move; clang-tidy sees co_await's operand twice
    co_await (*handler)(std::move(conn));
    (void)permit;  // given back when the connection is done
}

template <typename Listener, typename Handler, typename OnAcceptError>
task<io_result<void>> serve_loop(Listener& listener, Handler handler, serve_options options,
                                 OnAcceptError on_accept_error) {
    std::optional<semaphore> slots;
    if (options.max_connections > 0) slots.emplace(options.max_connections);
    io_result<void> ended = std::errc::operation_canceled;
    co_await with_scope([&](scope& connections) -> task<void> {
        task_context* const context = co_await current_context();
        for (;;) {
            std::optional<semaphore::permit> permit;
            if (slots) {
                auto taken = co_await slots->acquire();
                if (!taken) co_return;  // cancelled
                permit.emplace(std::move(*taken));
            }
            auto conn = co_await listener.accept();
            if (!conn) {
                if (detail::ends_serving(conn.error())) {
                    // A close() of the listener from another task ends its pending
                    // accept as cancelled: without a stop request, cancelled means
                    // closed.
                    const bool closed = conn.is(std::errc::operation_canceled) &&
                                        !context->stop_token.stop_requested();
                    ended = closed ? std::make_error_code(std::errc::bad_file_descriptor)
                                   : conn.error();
                    co_return;
                }
                on_accept_error(conn.error());
                continue;
            }
            connections.spawn(detail::serve_one(&handler, std::move(*conn), std::move(permit)));
        }
    });
    co_return ended;
}

}  // namespace detail

/// The accept loop of a server: runs `handler(conn)` for every connection, in a
/// scope, until it is cancelled or the listener fails for good. The handler and
/// on_accept_error are copied (or moved) into the returned task; on GCC 12 a
/// temporary that owns resources is refused at compile time (docs/compilers.md).
template <typename Listener, typename Handler, typename OnAcceptError = detail::ignore_accept_error>
task<io_result<void>> serve(Listener& listener, Handler&& handler, serve_options options = {},
                            OnAcceptError&& on_accept_error = {}) requires
    detail::serves<Listener, Handler, OnAcceptError> {
    detail::reject_awaited_owning_temporary<Handler>();
    detail::reject_awaited_owning_temporary<OnAcceptError>();
    return detail::serve_loop(
        listener, std::decay_t<Handler>(std::forward<Handler>(handler)), options,
        std::decay_t<OnAcceptError>(std::forward<OnAcceptError>(on_accept_error)));
}

}  // namespace interop
