// interop-mini-redis: a small Redis server on interop, for redis-cli, redis-benchmark
// and any RESP2 client.
//
//   interop-mini-redis --port 6379          # then: redis-cli -p 6379 set k v
//   interop-mini-redis --port 6380 --tls-cert-file cert.pem --tls-key-file key.pem
//                                           # then: redis-cli --tls --cacert ca.pem -p 6380
//
// Strings with expiry, counters, KEYS, and PUBLISH/SUBSCRIBE; README.md lists the
// commands. The first line on stdout is "listening on ADDRESS:PORT". SIGINT or
// SIGTERM closes the listener and every connection, and the program exits with 0.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include "interop/interop.hpp"
#include "redis/engine.hpp"
#include "redis/server.hpp"
#ifdef INTEROP_REDIS_TLS
#include "interop/tls.hpp"
#endif

namespace {

interop::task<void> next_of(interop::signal_listener* signal) { (void)co_await signal->recv(); }

struct settings {
    interop::endpoint local;
    redis::server_options server;
    std::string tls_certificate;  // PEM files; both empty for plain RESP
    std::string tls_key;
};

// Serves plain RESP, or RESP over TLS when the settings name a certificate.
interop::task<interop::io_result<void>> serve_with(interop::tcp_listener& listener,
                                                   redis::engine& db, const settings& s) {
#ifdef INTEROP_REDIS_TLS
    if (!s.tls_certificate.empty()) {
        std::optional<interop::tls::acceptor> upgrade;
        try {
            upgrade.emplace(interop::tls::context::server(s.tls_certificate, s.tls_key));
        } catch (const std::system_error& e) {
            std::fprintf(stderr, "interop-mini-redis: %s\n", e.what());
            co_return e.code();
        }
        auto serving = redis::serve(listener, db, s.server, *upgrade);
        co_return co_await std::move(serving);
    }
#endif
    auto serving = redis::serve(listener, db, s.server);
    co_return co_await std::move(serving);
}

interop::task<int> serve_until_signalled(settings s) {
    auto interrupt = co_await interop::signal_listener::listen(SIGINT);
    auto terminate = co_await interop::signal_listener::listen(SIGTERM);
    if (!interrupt || !terminate) {
        std::fprintf(stderr, "interop-mini-redis: cannot listen for SIGINT and SIGTERM\n");
        co_return 1;
    }
    auto listener = co_await interop::tcp_listener::bind(s.local, 511);
    if (!listener) {
        std::fprintf(stderr, "interop-mini-redis: cannot listen on %s: %s\n",
                     s.local.to_string().c_str(), listener.error().message().c_str());
        co_return 1;
    }
    std::printf("listening on %s\n", listener->local_endpoint()->to_string().c_str());
    std::fflush(stdout);

    redis::engine db;
    db.set_config("maxclients", std::to_string(s.server.max_clients));
    db.set_config(
        "timeout",
        std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(s.server.idle_timeout).count()));
    db.set_config("proto-max-bulk-len", std::to_string(s.server.limits.max_bulk));
    auto serving = serve_with(*listener, db, s);
    auto signalled = interop::race(next_of(&*interrupt), next_of(&*terminate));
    auto either = interop::when_any(std::move(serving), std::move(signalled));
    auto first = co_await std::move(either);
    if (first.index() == 0) {
        const interop::io_result<void>& served = std::get<0>(first);
        std::fprintf(stderr, "interop-mini-redis: %s\n",
                     served ? "stopped" : served.error().message().c_str());
        co_return 1;
    }
    co_return 0;  // a signal: every connection is closed by now
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "A small Redis server written against interop; the runtime is chosen at build time."};
    std::string address = "127.0.0.1";
    std::uint16_t port = 6379;
    settings s;
    long long idle_s = 0;
    app.add_option("-b,--bind", address, "IPv4 or IPv6 address to listen on")
        ->capture_default_str();
    app.add_option("-p,--port", port, "TCP port (0 picks a free one)")->capture_default_str();
    app.add_option("--max-clients", s.server.max_clients,
                   "clients at once; one more is refused with an error")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--timeout", idle_s, "seconds after which an idle client is closed (0: never)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app.add_option("--proto-max-bulk-len", s.server.limits.max_bulk,
                   "largest bulk argument a request may announce, bytes")
        ->capture_default_str();
    app.add_option("--client-query-buffer-limit", s.server.max_query_buffer,
                   "most bytes a client may have buffered for one request")
        ->capture_default_str();
#ifdef INTEROP_REDIS_TLS
    auto* cert = app.add_option("--tls-cert-file", s.tls_certificate,
                                "serve over TLS with this certificate chain (PEM)")
                     ->check(CLI::ExistingFile);
    auto* key = app.add_option("--tls-key-file", s.tls_key, "the certificate's private key (PEM)")
                    ->check(CLI::ExistingFile);
    cert->needs(key);
    key->needs(cert);
#endif
    CLI11_PARSE(app, argc, argv);

    auto ip = interop::ip_address::parse(address);
    if (!ip) {
        std::fprintf(stderr, "interop-mini-redis: '%s' is not an IP address\n", address.c_str());
        return 2;
    }
    s.local = interop::endpoint{*ip, port};
    s.server.idle_timeout = std::chrono::seconds(idle_s);
    return interop::run(serve_until_signalled(std::move(s)));
}
