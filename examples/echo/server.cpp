// interop-echo-server: echoes every TCP connection's bytes back.
//
//   interop-echo-server --port 7000            # then: nc 127.0.0.1 7000
//   interop-echo-server --address ::1 --port 0 --connections 1
//   interop-echo-server --trace echo.trace.json   # a timeline, for ui.perfetto.dev
//   interop-echo-server --console /tmp/echo.sock  # then: interop-console -s /tmp/echo.sock
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "echo_service.hpp"

namespace {
interop::task<void> next_of(interop::signal_listener* signal) { (void)co_await signal->recv(); }

// The live view, saying so when it cannot serve (a path that cannot be bound).
interop::task<void> serve_console(std::string path) {
    const interop::io_result<void> served = co_await interop::debug::serve_console(path);
    if (!served && served.error() != std::errc::operation_canceled) {
        std::fprintf(stderr, "interop-echo-server: no console on %s: %s\n", path.c_str(),
                     served.error().message().c_str());
    }
}

interop::task<int> serve_until_stopped(interop::endpoint local, std::uint64_t limit,
                                       std::string console) {
    // Listening first: a SIGINT or SIGTERM from here on stops the server, however
    // early it arrives.
    auto interrupt = co_await interop::signal_listener::listen(SIGINT);
    auto terminate = co_await interop::signal_listener::listen(SIGTERM);
    if (!interrupt || !terminate) {
        std::fprintf(stderr, "interop-echo-server: cannot listen for SIGINT and SIGTERM\n");
        co_return 1;
    }
    // `kill -USR1 <pid>` prints what every task is doing to stderr (docs/debugging.md).
    auto dumps = co_await interop::spawn("task dumps", interop::debug::dump_on_signal(SIGUSR1));
    // A live view for interop-console, when asked for.
    std::optional<interop::join_handle<void>> live_view;
    if (!console.empty()) {
        interop::task<void> serving = serve_console(console);
        live_view = co_await interop::spawn("console", std::move(serving));
    }
    auto listener = co_await interop::tcp_listener::bind(local);
    if (!listener) {
        std::fprintf(stderr, "interop-echo-server: cannot listen on %s: %s\n",
                     local.to_string().c_str(), listener.error().message().c_str());
        co_return 1;
    }
    std::printf("listening on %s\n", listener->local_endpoint()->to_string().c_str());
    std::fflush(stdout);
    // Serve until the connection limit is reached or SIGINT/SIGTERM arrives;
    // whichever comes first cancels the other, and open connections are
    // cancelled and joined before the program exits.
    auto serving = echo::serve(*listener, limit);
    auto stop_signal = interop::race(next_of(&*interrupt), next_of(&*terminate));
    co_await interop::when_any(std::move(serving), std::move(stop_signal));
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Echo server written against interop only; the runtime is chosen at build time."};
    std::string address = "127.0.0.1";
    std::uint16_t port = 7000;
    std::uint64_t connections = 0;
    app.add_option("-a,--address", address, "IPv4 or IPv6 address to listen on")
        ->capture_default_str();
    app.add_option("-p,--port", port, "TCP port (0 picks a free one)")->capture_default_str();
    app.add_option("-n,--connections", connections,
                   "exit after serving this many connections (0: never)")
        ->capture_default_str();
    std::string console;
    app.add_option("--console", console,
                   "serve a live view of the tasks for interop-console on this Unix socket path");
    std::string trace_file;
    app.add_option("--trace", trace_file,
                   "record what the tasks do and write it to this file on exit (Chrome "
                   "trace-event JSON: ui.perfetto.dev, chrome://tracing)");
    CLI11_PARSE(app, argc, argv);

    auto ip = interop::ip_address::parse(address);
    if (!ip) {
        std::fprintf(stderr, "interop-echo-server: '%s' is not an IP address\n", address.c_str());
        return 2;
    }
    std::optional<interop::debug::trace> recording;
    if (!trace_file.empty()) recording.emplace();
    const int status =
        interop::run(serve_until_stopped(interop::endpoint{*ip, port}, connections, console));
    if (recording) {
        std::ofstream out(trace_file);
        recording->flush(out);
        if (!out) {
            std::fprintf(stderr, "interop-echo-server: cannot write the trace to %s\n",
                         trace_file.c_str());
            return 1;
        }
    }
    return status;
}
