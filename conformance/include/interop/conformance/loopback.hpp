// A connected pair of TCP streams over loopback, and a byte pattern to send through it.
#pragma once

#include <cstddef>
#include <vector>

#include "interop/conformance/suite.hpp"

namespace interop::conformance {

struct loopback_pair {
    tcp_listener listener;
    tcp_stream client;
    tcp_stream server;
};

inline task<loopback_pair> connect_loopback(endpoint local = loopback_v4()) {
    auto listener = co_await tcp_listener::bind(local);
    REQUIRE(listener.has_value());
    auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
    REQUIRE(client.has_value());
    auto server = co_await accept(*listener);
    REQUIRE(server.has_value());
    co_return loopback_pair{std::move(*listener), std::move(*client), std::move(*server)};
}

// Byte i is (i mod 251): a prime period, so a lost, repeated or reordered block shows.
inline std::byte pattern_byte(std::size_t i) { return static_cast<std::byte>(i % 251); }

inline std::vector<std::byte> pattern(std::size_t offset, std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = pattern_byte(offset + i);
    return v;
}

}  // namespace interop::conformance
