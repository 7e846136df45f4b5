// The listening socket's own system calls.
//
// Listeners do not use libuv's uv_listen/uv_accept. When accept() fails for want of
// descriptors, libuv closes its reserved descriptor, accepts every waiting connection
// and closes it at once, so that clients see the server drop them rather than wait.
// interop's rule is the other one (runtime-interface.md): report the error, leave the
// connections in the backlog, and let the core back off. So the adapter creates,
// binds and listens on the socket itself, watches it with a uv_poll_t while accepts
// wait, and calls accept4() itself; uv_tcp_open then gives libuv each connection.
#pragma once

#include <system_error>

#include "interop/endpoint.hpp"

namespace interop::libuv_detail {

// A non-blocking, close-on-exec socket bound to `local` (SO_REUSEADDR, and IPv6 only
// for an IPv6 address) and listening; -1 and the error when that fails.
int open_listening_socket(const endpoint& local, int backlog, std::error_code* error) noexcept;

struct accepted {
    int fd = -1;  // the new connection, non-blocking and close-on-exec
    bool would_block = false;
    std::error_code error;  // set when it failed for good
};

// One accept; a connection aborted while it waited in the backlog is skipped.
accepted accept_connection(int listening_fd) noexcept;

}  // namespace interop::libuv_detail
