// The limits and timeouts of the server.
#pragma once

#include <cstddef>

#include "interop/time.hpp"
#include "redis/request_parser.hpp"

namespace redis {

struct server_options {
    /// Bulk and inline sizes (proto-max-bulk-len and the inline limit of Redis).
    parser_limits limits{};
    /// The most bytes a connection may have buffered for one request before it is
    /// closed (Redis's client-query-buffer-limit).
    std::size_t max_query_buffer = std::size_t{1024} * 1024 * 1024;
    /// Connections at once; one more is told "-ERR max number of clients reached"
    /// and closed, as Redis does (maxclients).
    std::size_t max_clients = 10000;
    /// A connection that sends nothing for this long is closed; zero: never (Redis's
    /// timeout). Subscribed connections are exempt, as in Redis.
    interop::duration idle_timeout{};
    /// How often the active expiry looks for expired keys (Redis's hz 10).
    interop::duration expiry_period = std::chrono::milliseconds(100);
    /// After a protocol error, how long the server reads and drops what the client
    /// still sends before it closes, so that the client reads the error rather than a
    /// reset.
    interop::duration linger = std::chrono::seconds(1);
    /// How long serve()'s upgrade of a new connection (a TLS handshake) may take.
    interop::duration handshake_timeout = std::chrono::seconds(10);
};

}  // namespace redis
