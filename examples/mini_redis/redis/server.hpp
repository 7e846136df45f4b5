// The server: the accept loop with its connection limit, and the active expiry.
#pragma once

#include <cstddef>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "interop/io/write_all.hpp"
#include "interop/io_result.hpp"
#include "interop/scope.hpp"
#include "interop/task.hpp"
#include "interop/time.hpp"
#include "interop/timeout.hpp"
#include "redis/connection.hpp"
#include "redis/engine.hpp"
#include "redis/server_options.hpp"

namespace redis {

/// What serve() does to an accepted connection before RESP runs on it: nothing.
struct plain_connections {
    template <typename Stream>
    Stream operator()(Stream stream) const {
        return stream;
    }
};

namespace detail {

template <typename Stream, typename Upgrade>
interop::task<void> serve_counted(Stream stream, engine& db, const server_options& opt,
                                  std::size_t& clients, const Upgrade& upgrade) {
    if constexpr (std::is_same_v<Upgrade, plain_connections>) {
        auto served = serve_client(std::move(stream), db, opt);
        co_await std::move(served);
    } else {
        // A TLS handshake, say, within its own time limit.
        auto upgrading = interop::timeout(opt.handshake_timeout, upgrade(std::move(stream)));
        auto upgraded = co_await std::move(upgrading);
        if (upgraded) {
            auto served = serve_client(std::move(*upgraded), db, opt);
            co_await std::move(served);
        }
    }
    --clients;
}

template <typename Stream>
interop::task<void> refuse(Stream stream) {
    auto written =
        interop::write_all(stream, std::string_view("-ERR max number of clients reached\r\n"));
    (void)co_await std::move(written);
    (void)co_await stream.close();
}

// Deletes expired keys nobody asks for: every period, a tenth of the table's buckets,
// so that each key is looked at about once a second.
inline interop::task<void> active_expiry(engine& db, interop::duration period) {
    for (;;) {
        auto slept = co_await interop::sleep_for(period);
        if (!slept) co_return;
        keyspace& keys = db.keys();
        if (keys.volatile_count() == 0) continue;
        (void)keys.expire_some(keys.size() / 10 + 64);
    }
}

}  // namespace detail

/// Accepts clients on `listener` and serves each with `db` until cancelled, which
/// closes every connection. Returns operation_canceled when cancelled, and the
/// listener's error if it failed for good. `db` and `opt` must outlive the call.
///
/// `upgrade`, when given, turns each accepted stream into the one RESP runs on, in the
/// connection's own task: `interop::tls::acceptor(ctx)` serves over TLS. A connection whose
/// upgrade fails or takes longer than handshake_timeout is closed. It must outlive the
/// call.
template <typename Listener, typename Upgrade = plain_connections>
interop::task<interop::io_result<void>> serve(Listener& listener, engine& db,
                                              const server_options& opt,
                                              const Upgrade& upgrade = {}) {
    interop::io_result<void> ended{};
    std::size_t clients = 0;
    co_await interop::with_scope([&](interop::scope& connections) -> interop::task<void> {
        connections.spawn(detail::active_expiry(db, opt.expiry_period));
        for (;;) {
            auto accepted = co_await listener.accept();
            if (!accepted) {
                if (accepted.is(std::errc::operation_canceled) ||
                    accepted.is(std::errc::bad_file_descriptor)) {
                    ended = accepted.error();
                    break;
                }
                continue;  // transient: the listener backs off by itself
            }
            if constexpr (requires { accepted->set_no_delay(true); }) {
                (void)accepted->set_no_delay(true);  // replies go out at once, as Redis's do
            }
            if (clients >= opt.max_clients) {
                connections.spawn(detail::refuse(std::move(*accepted)));
                continue;
            }
            ++clients;
            connections.spawn(
                detail::serve_counted(std::move(*accepted), db, opt, clients, upgrade));
        }
        connections.cancel();
    });
    co_return ended;
}

}  // namespace redis
