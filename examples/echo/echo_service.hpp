// A runtime-independent echo service: nothing here names a runtime. The same code
// serves on Asio, libuv or the inline runtime, whichever drives the task.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

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

// Accepts connections until `max_connections` have been served (0 = forever) or
// the task is cancelled; every connection runs as a child of one scope, so none
// outlives the server.
inline interop::task<void> serve(interop::tcp_listener& listener, std::uint64_t max_connections) {
    co_await interop::with_scope([&](interop::scope& connections) -> interop::task<void> {
        for (std::uint64_t served = 0; max_connections == 0 || served < max_connections; ++served) {
            auto conn = co_await listener.accept();
            if (!conn) co_return;  // cancelled, or the listener failed
            connections.spawn(serve_connection(std::move(*conn)));
        }
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
