// A program on tiny::runtime: interop's library code runs on it unchanged. A server
// echoes one line to a client over loopback, under a timeout.
#include <cstdio>
#include <string_view>

#include <interop/interop.hpp>

#include "tiny_runtime.hpp"

using namespace std::chrono_literals;

interop::task<int> hello() {
    auto listener =
        co_await interop::tcp_listener::bind(interop::endpoint::parse("127.0.0.1:0").value());
    if (!listener) co_return 1;
    auto client = co_await interop::tcp_stream::connect(listener->local_endpoint().value());
    auto server = co_await listener->accept();
    if (!client || !server) co_return 1;

    constexpr std::string_view line = "hello from tiny\n";
    (void)co_await interop::write_all(*client, line);
    char buf[64];
    auto n = co_await interop::timeout(1s, server->read(buf));
    if (!n) co_return 1;
    std::printf("server got: %.*s", static_cast<int>(*n), buf);
    co_return 0;
}

int main() {
    tiny::runtime rt;
    return interop::run(rt.ref(), hello());
}
