// A runtime-independent echo service: nothing here names a runtime. The same code
// serves on Asio, libuv or the inline runtime, whichever drives the task.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <system_error>

#include <interop/interop.hpp>

namespace echo {

// Echoes every byte back until the peer closes its write half, then closes.
inline interop::task<void> serve_connection(interop::tcp_stream conn) {
    std::array<std::byte, 16 * 1024> buffer;
    for (;;) {
        auto n = co_await conn.read(buffer);
        if (!n || *n == 0) break;  // error or end of stream
        auto written = co_await interop::write_all(conn, std::span(buffer).first(*n));
        if (!written) break;
    }
    (void)co_await conn.close();
}

// Serves every connection until the task is cancelled, or, with `max_connections` > 0,
// until that many have been accepted: then it stops accepting and lets the open ones
// finish. Accept errors that leave the listener usable (out of descriptors, say) are
// reported on stderr and serving goes on.
inline interop::task<void> serve(interop::tcp_listener& listener, std::uint64_t max_connections) {
    std::atomic<std::uint64_t> accepted{0};  // connections may start on several threads
    (void)co_await interop::serve(
        listener,
        [&](interop::tcp_stream conn) -> interop::task<void> {
            // The last one to serve: closing the listener ends serve() once the open
            // connections are done.
            if (max_connections != 0 && accepted.fetch_add(1) + 1 == max_connections)
                (void)co_await listener.close();
            co_await serve_connection(std::move(conn));
        },
        {},
        [](std::error_code error) {
            std::fprintf(stderr, "accept failed: %s (serving goes on)\n", error.message().c_str());
        });
}

// Sends `message`, reads the echo back and returns it.
inline interop::task<interop::io_result<std::string>> round_trip(interop::endpoint server,
                                                                 std::string message) {
    auto conn = co_await interop::tcp_stream::connect(server);
    if (!conn) co_return conn.error();
    auto sent = co_await interop::write_all(*conn, std::as_bytes(std::span(message)));
    if (!sent) co_return sent.error();
    std::string reply(message.size(), '\0');
    auto got = co_await interop::read_exact(*conn, std::as_writable_bytes(std::span(reply)));
    if (!got) co_return got.error();
    co_return reply;
}

}  // namespace echo
