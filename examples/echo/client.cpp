// interop-echo-client: sends a message to an echo server and checks the reply.
//
//   interop-echo-client --port 7000 --message hello --count 3
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "echo_service.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Echo client written against interop only; the runtime is chosen at build time."};
    std::string address = "127.0.0.1";
    std::uint16_t port = 7000;
    std::string message = "hello from interop";
    int count = 1;
    app.add_option("-a,--address", address, "server address")->capture_default_str();
    app.add_option("-p,--port", port, "server port")->required();
    app.add_option("-m,--message", message, "message to send")->capture_default_str();
    app.add_option("-c,--count", count, "round trips, one connection each")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);

    auto ip = interop::ip_address::parse(address);
    if (!ip) {
        std::fprintf(stderr, "interop-echo-client: '%s' is not an IP address\n", address.c_str());
        return 2;
    }
    return interop::run([](interop::endpoint server, std::string text,
                           int rounds) -> interop::task<int> {
        for (int i = 0; i < rounds; ++i) {
            auto reply = co_await echo::round_trip(server, text);
            if (!reply) {
                std::fprintf(stderr, "interop-echo-client: %s\n", reply.error().message().c_str());
                co_return 1;
            }
            if (*reply != text) {
                std::fprintf(stderr, "interop-echo-client: reply differs from the message\n");
                co_return 1;
            }
            std::printf("%s\n", reply->c_str());
        }
        co_return 0;
    }(interop::endpoint{*ip, port}, message, count));
}
