// interop-bench-echo: the echo server of the benchmark, written against interop only,
// run on the runtime chosen on the command line.
//
//   interop-bench-echo --runtime libuv --port 0 [--count-allocations] [--read-timeout-ms N]
//                      [--trace]
//
// The server code is what an application would write: an accept loop in a scope,
// one task per connection that reads into a buffer of its own and writes the bytes
// back with write_all. Nothing is allocated per message: the buffer and the
// awaiters of read and write_all live in the connection's frame (write_all needs a
// frame of its own only when a write falls short or waits, and the core recycles it).
// With --read-timeout-ms, every read is awaited under interop::timeout, as a server
// with an idle timeout would; that must allocate nothing per message either.
//
// It prints "listening port=N runtime=R" once it accepts connections and serves until
// SIGTERM or SIGINT ends the process (their default action). It deliberately starts
// no thread of its own, not even one to wait for the signal: once a process has a
// second thread, glibc's read/write/recv/send wrappers pay for the asynchronous-
// cancellation bookkeeping on every call (some 60 instructions per message here),
// which the single-threaded raw baselines do not.
#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <interop/inline_runtime.hpp>
#include <interop/interop.hpp>
#if defined(INTEROP_BENCH_HAVE_ASIO)
#include <interop/asio_runtime.hpp>
#endif
#if defined(INTEROP_BENCH_HAVE_LIBUV)
#include <interop/libuv_runtime.hpp>
#endif

#include "alloc_counter.hpp"

namespace {

constexpr std::size_t buffer_size = 4096;  // the same per connection in every server
// The listen backlog of every server: SOMAXCONN, as raw Asio's acceptor uses, so that a
// burst of connects (the idle-memory run opens 10,000) waits in the accept queue.
constexpr int listen_backlog = 4096;

// Two coroutines, not one with a branch per read: each connection's frame then holds
// only the awaiter its variant uses, as a server written for one or the other would.
interop::task<void> serve_plain(interop::tcp_stream conn) {
    (void)conn.set_no_delay(true);
    std::array<std::byte, buffer_size> buffer;
    for (;;) {
        interop::io_result<std::size_t> n = co_await conn.read(buffer);
        if (!n || *n == 0) break;  // error, cancellation or end of stream
        auto written = co_await interop::write_all(conn, std::span(buffer).first(*n));
        if (!written) break;
    }
}

interop::task<void> serve_with_timeout(interop::tcp_stream conn,
                                       std::chrono::milliseconds read_timeout) {
    (void)conn.set_no_delay(true);
    std::array<std::byte, buffer_size> buffer;
    for (;;) {
        interop::io_result<std::size_t> n =
            co_await interop::timeout(read_timeout, conn.read(buffer));
        if (!n || *n == 0) break;  // error, timeout, cancellation or end of stream
        auto written = co_await interop::write_all(conn, std::span(buffer).first(*n));
        if (!written) break;
    }
}

interop::task<void> serve_connection(interop::tcp_stream conn,
                                     std::chrono::milliseconds read_timeout) {
    if (read_timeout.count() > 0) return serve_with_timeout(std::move(conn), read_timeout);
    return serve_plain(std::move(conn));
}

interop::task<int> serve(std::uint16_t port, const char* runtime_name,
                         std::chrono::milliseconds read_timeout) {
    auto local = interop::endpoint::parse("127.0.0.1:0").value();
    local.port = port;
    auto listener = co_await interop::tcp_listener::bind(local, listen_backlog);
    if (!listener) {
        std::fprintf(stderr, "interop-bench-echo: cannot listen on 127.0.0.1:%u: %s\n",
                     static_cast<unsigned>(port), listener.error().message().c_str());
        co_return 1;
    }
    std::printf("listening port=%u runtime=%s\n",
                static_cast<unsigned>(listener->local_endpoint()->port), runtime_name);
    std::fflush(stdout);
    co_await interop::with_scope([&](interop::scope& connections) -> interop::task<void> {
        for (;;) {
            auto conn = co_await listener->accept();
            if (!conn) break;  // the listener failed
            connections.spawn(serve_connection(std::move(*conn), read_timeout));
        }
    });
    co_return 0;
}

template <typename Runtime>
int run_on(Runtime& rt, std::uint16_t port, const char* name,
           std::chrono::milliseconds read_timeout) {
    return interop::run(rt.ref(), serve(port, name, read_timeout));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Echo server of the interop benchmark, on the runtime chosen with --runtime."};
    std::string runtime = "inline";
    std::uint16_t port = 0;
    bool count_allocations = false;
    long read_timeout_ms = 0;
    std::vector<std::string> runtimes{"inline"};
#if defined(INTEROP_BENCH_HAVE_ASIO)
    runtimes.emplace_back("asio");
#endif
#if defined(INTEROP_BENCH_HAVE_LIBUV)
    runtimes.emplace_back("libuv");
#endif
    bool list = false;
    app.add_option("-r,--runtime", runtime, "the runtime that drives the server")
        ->capture_default_str()
        ->check(CLI::IsMember(runtimes));
    app.add_option("-p,--port", port, "TCP port on 127.0.0.1 (0 picks a free one)")
        ->capture_default_str();
    app.add_flag("--count-allocations", count_allocations,
                 "count heap allocations in the window the load generator marks with SIGUSR1");
    app.add_option("--read-timeout-ms", read_timeout_ms,
                   "await every read under interop::timeout of this many ms (0: no timeout)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    bool trace = false;
    app.add_flag("--trace", trace,
                 "record a trace (interop::debug::trace, its default ring) while serving, "
                 "never flushed: what recording costs");
    app.add_flag("--list-runtimes", list, "print the runtimes this binary was built with and exit");
    CLI11_PARSE(app, argc, argv);

    if (list) {
        for (const auto& r : runtimes) std::printf("%s\n", r.c_str());
        return 0;
    }
    if (count_allocations && !bench::enable_allocation_counting()) return 2;
    const std::chrono::milliseconds read_timeout(read_timeout_ms);
    std::optional<interop::debug::trace> recording;
    if (trace) recording.emplace();

    if (runtime == "inline") {
        interop::inline_runtime rt;
        return run_on(rt, port, "inline", read_timeout);
    }
#if defined(INTEROP_BENCH_HAVE_ASIO)
    if (runtime == "asio") {
        interop::asio_runtime rt(interop::asio_runtime::options{.threads = 1});
        return run_on(rt, port, "asio", read_timeout);
    }
#endif
#if defined(INTEROP_BENCH_HAVE_LIBUV)
    if (runtime == "libuv") {
        interop::libuv_runtime rt;
        return run_on(rt, port, "libuv", read_timeout);
    }
#endif
    return 2;
}
