// An HTTP/1.1 server: the accept loop, a connection limit and graceful shutdown.
#pragma once

#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "http/connection.hpp"
#include "http/exchange.hpp"
#include "http/server_options.hpp"
#include "interop/io_result.hpp"
#include "interop/scope.hpp"
#include "interop/service.hpp"
#include "interop/sync/event.hpp"
#include "interop/sync/semaphore.hpp"
#include "interop/task.hpp"
#include "interop/timeout.hpp"

namespace http {

/// What serve() does to an accepted connection before HTTP runs on it: nothing.
struct plain_connections {
    template <typename Stream>
    Stream operator()(Stream stream) const {
        return stream;
    }
};

namespace detail {

template <typename Stream, typename Service, typename Upgrade>
interop::task<void> serve_counted(Stream stream, Service& service, const server_options& opt,
                                  interop::event& stopping,
                                  std::optional<interop::semaphore::permit> slot,
                                  const Upgrade& upgrade) {
    if constexpr (std::is_same_v<Upgrade, plain_connections>) {
        auto served = serve_connection(std::move(stream), service, opt, stopping);
        co_await std::move(served);
    } else {
        // A handshake, say: within the time a request may take to arrive, so that a
        // client that connects and says nothing holds no connection for long.
        auto upgrading = interop::timeout(opt.request_timeout, upgrade(std::move(stream)));
        auto upgraded = co_await std::move(upgrading);
        if (upgraded) {
            auto served = serve_connection(std::move(*upgraded), service, opt, stopping);
            co_await std::move(served);
        }
    }
    slot.reset();  // the next connection may be accepted
}

}  // namespace detail

/// Accepts connections on `listener` (a tcp_listener or a unix_listener) and serves
/// each with `service` until `stopping` is set: then it accepts no more, closes the
/// idle connections, lets each request under way be answered (with Connection:
/// close) and returns once every connection is closed: a graceful shutdown. To bound
/// it, await it under interop::timeout; cancelling it closes every connection at once.
///
/// Returns success after a shutdown, operation_canceled when cancelled, and the
/// listener's error if it failed for good (bad_file_descriptor when it was closed).
/// An accept error that leaves the listener usable (out of descriptors, say) never
/// ends it: the listener backs off while it lasts. `service` and `opt` must outlive
/// the call; the service is shared by every connection.
///
/// `upgrade`, when given, turns each accepted stream into the stream HTTP runs on, in
/// the connection's own task: `interop::tls::acceptor(ctx)` serves HTTPS. It returns an awaitable
/// of io_result<stream>; a connection whose upgrade fails, or takes longer than request_timeout, is
/// closed. It must outlive the call.
template <typename Listener, typename Service, typename Upgrade = plain_connections>
    requires interop::service<Service, request> interop::task<interop::io_result<void>> serve(
        Listener& listener, Service& service, const server_options& opt, interop::event& stopping,
        const Upgrade& upgrade = {}) {
        interop::io_result<void> ended{};
        std::optional<interop::semaphore> slots;
        if (opt.max_connections > 0) slots.emplace(opt.max_connections);
        co_await interop::with_scope([&](interop::scope& connections) -> interop::task<void> {
            co_await interop::with_scope([&](interop::scope& accepting) -> interop::task<void> {
                accepting.spawn([&]() -> interop::task<void> {
                    auto stop = stopping.wait();
                    if (co_await std::move(stop)) accepting.cancel();
                });
                for (;;) {
                    std::optional<interop::semaphore::permit> slot;
                    if (slots) {
                        auto taken = co_await slots->acquire();
                        if (!taken) break;
                        slot.emplace(std::move(*taken));
                    }
                    auto accepted = co_await listener.accept();
                    if (!accepted) {
                        if (accepted.is(std::errc::operation_canceled)) {
                            if (!stopping.is_set()) ended = accepted.error();
                            break;
                        }
                        if (accepted.is(std::errc::bad_file_descriptor)) {
                            ended = accepted.error();
                            break;
                        }
                        continue;  // transient: the listener backs off by itself
                    }
                    connections.spawn(detail::serve_counted(std::move(*accepted), service, opt,
                                                            stopping, std::move(slot), upgrade));
                }
                accepting.cancel();  // the task that waits for `stopping`
            });
        });
        co_return ended;
    }

}  // namespace http
