// The limits and timeouts of an HTTP server.
#pragma once

#include <chrono>
#include <cstddef>

#include "http/parse.hpp"
#include "interop/time.hpp"

namespace http {

/// How a server treats its connections. The statuses a limit answers with: a head
/// over its limits 431 (414 for the request line alone), a body over max_body 413, a
/// request not received within request_timeout 408.
struct server_options {
    /// Sizes of heads, fields and bodies (http/parse.hpp).
    limits message_limits{};
    /// A connection with no request under way is closed after this long, silently.
    interop::duration idle_timeout = std::chrono::seconds(60);
    /// A request's head and body must arrive within this long of its first byte;
    /// otherwise it is answered 408 and the connection closed. Also the longest a
    /// response may take to be written (then the connection is closed, silently).
    interop::duration request_timeout = std::chrono::seconds(30);
    /// How long, after the last response, the server reads and discards what a client
    /// still sends before it closes (so that the client sees that response rather than
    /// a reset).
    interop::duration linger = std::chrono::seconds(2);
    /// Connections served at once; 0: no limit. At the limit, new connections wait in
    /// the listener's backlog.
    std::size_t max_connections = 0;
};

}  // namespace http
