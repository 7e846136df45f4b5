// interop-http-serve: an HTTP/1.1 server on the http library of this directory.
//
//   interop-http-serve --port 8080                  # then: curl http://127.0.0.1:8080/hello
//   interop-http-serve --port 8080 --root ./public  # files under ./public too
//   interop-http-serve --port 8443 --tls-cert cert.pem --tls-key key.pem  # HTTPS
//
// Routes: GET /hello (a greeting), POST or PUT /echo (the body back), GET /stream?n=N (N
// lines sent as chunks), GET /slow?ms=N (an answer after N ms), and with --root, GET and
// HEAD of the files under it. SIGINT or
// SIGTERM shuts down gracefully (requests under way are answered); a second one stops
// at once.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include "http/server.hpp"
#include "interop/interop.hpp"
#include "routes.hpp"
#ifdef INTEROP_HTTP_TLS
#include "interop/tls.hpp"
#endif

namespace {

interop::task<void> next_of(interop::signal_listener* signal) { (void)co_await signal->recv(); }

// The first SIGINT or SIGTERM starts a graceful shutdown; the second returns, which
// cancels the server.
interop::task<void> stop_on_signals(interop::signal_listener* interrupt,
                                    interop::signal_listener* terminate, interop::event* stopping) {
    auto first = interop::race(next_of(interrupt), next_of(terminate));
    co_await std::move(first);
    stopping->set();
    auto second = interop::race(next_of(interrupt), next_of(terminate));
    co_await std::move(second);
}

// Serves until a graceful shutdown ends, or a second signal cuts it short.
template <typename Service, typename Upgrade>
interop::task<interop::io_result<void>> until_stopped(
    interop::tcp_listener& listener, Service& service, const http::server_options& options,
    interop::event& stopping, interop::task<void> stopper, const Upgrade& upgrade) {
    auto serving = http::serve(listener, service, options, stopping, upgrade);
    auto first = co_await interop::when_any(std::move(serving), std::move(stopper));
    if (first.index() == 0) co_return std::get<0>(first);
    co_return interop::io_result<void>{};
}

struct settings {
    interop::endpoint local;
    std::string root;
    http::server_options server;
    interop::duration handler_timeout;
    std::string tls_certificate;  // PEM files; both empty for plain HTTP
    std::string tls_key;
};

// Serves plain HTTP, or HTTPS when the settings name a certificate.
template <typename Service>
interop::task<interop::io_result<void>> serve_with(interop::tcp_listener& listener,
                                                   Service& service, const settings& s,
                                                   interop::event& stopping,
                                                   interop::task<void> stopper) {
#ifdef INTEROP_HTTP_TLS
    if (!s.tls_certificate.empty()) {
        std::optional<interop::tls::acceptor> upgrade;
        try {
            auto ctx = interop::tls::context::server(s.tls_certificate, s.tls_key);
            ctx.alpn({"http/1.1"});
            upgrade.emplace(std::move(ctx));
        } catch (const std::system_error& e) {
            std::fprintf(stderr, "interop-http-serve: %s\n", e.what());
            co_return e.code();
        }
        auto serving =
            until_stopped(listener, service, s.server, stopping, std::move(stopper), *upgrade);
        co_return co_await std::move(serving);
    }
#endif
    const http::plain_connections plain;
    auto serving = until_stopped(listener, service, s.server, stopping, std::move(stopper), plain);
    co_return co_await std::move(serving);
}

interop::task<int> serve_until_stopped(settings s) {
    auto interrupt = co_await interop::signal_listener::listen(SIGINT);
    auto terminate = co_await interop::signal_listener::listen(SIGTERM);
    if (!interrupt || !terminate) {
        std::fprintf(stderr, "interop-http-serve: cannot listen for SIGINT and SIGTERM\n");
        co_return 1;
    }
    auto listener = co_await interop::tcp_listener::bind(s.local);
    if (!listener) {
        std::fprintf(stderr, "interop-http-serve: cannot listen on %s: %s\n",
                     s.local.to_string().c_str(), listener.error().message().c_str());
        co_return 1;
    }
    std::printf("listening on %s\n", listener->local_endpoint()->to_string().c_str());
    std::fflush(stdout);

    interop::event stopping;
    auto stopper = stop_on_signals(&*interrupt, &*terminate, &stopping);
    interop::io_result<void> served{};
    // A handler timeout is a layer around the routes, when asked for: interop::timeout
    // runs each call as a scope of two tasks, which costs more than /hello itself.
    if (s.handler_timeout > interop::duration::zero()) {
        auto service =
            interop::stack(http_example::routes(s.root), interop::timeout_layer(s.handler_timeout));
        auto serving = serve_with(*listener, service, s, stopping, std::move(stopper));
        served = co_await std::move(serving);
    } else {
        auto service = http_example::routes(s.root);
        auto serving = serve_with(*listener, service, s, stopping, std::move(stopper));
        served = co_await std::move(serving);
    }
    if (!served) {
        std::fprintf(stderr, "interop-http-serve: %s\n", served.error().message().c_str());
        co_return 1;
    }
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "HTTP/1.1 server written against interop only; the runtime is chosen at build time."};
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    settings s;
    double idle_s = 60;
    double request_s = 30;
    double handler_s = 0;
    app.add_option("-a,--address", address, "IPv4 or IPv6 address to listen on")
        ->capture_default_str();
    app.add_option("-p,--port", port, "TCP port (0 picks a free one)")->capture_default_str();
    app.add_option("-r,--root", s.root, "serve the files under this directory too")
        ->check(CLI::ExistingDirectory);
    app.add_option("--max-connections", s.server.max_connections,
                   "connections served at once (0: no limit)")
        ->capture_default_str();
    app.add_option("--max-body", s.server.message_limits.max_body, "largest request body, bytes")
        ->capture_default_str();
    app.add_option("--idle-timeout", idle_s, "seconds an idle connection is kept")
        ->capture_default_str();
    app.add_option("--request-timeout", request_s,
                   "seconds a request may take to arrive (408 after that)")
        ->capture_default_str();
    app.add_option("--handler-timeout", handler_s,
                   "seconds a handler may take (503 after that; 0: no limit)")
        ->capture_default_str();
#ifdef INTEROP_HTTP_TLS
    auto* cert = app.add_option("--tls-cert", s.tls_certificate,
                                "serve HTTPS with this certificate chain (PEM)")
                     ->check(CLI::ExistingFile);
    auto* key = app.add_option("--tls-key", s.tls_key, "the certificate's private key (PEM)")
                    ->check(CLI::ExistingFile);
    cert->needs(key);
    key->needs(cert);
#endif
    CLI11_PARSE(app, argc, argv);

    auto ip = interop::ip_address::parse(address);
    if (!ip) {
        std::fprintf(stderr, "interop-http-serve: '%s' is not an IP address\n", address.c_str());
        return 2;
    }
    s.local = interop::endpoint{*ip, port};
    const auto seconds = [](double v) {
        return std::chrono::duration_cast<interop::duration>(std::chrono::duration<double>(v));
    };
    s.server.idle_timeout = seconds(idle_s);
    s.server.request_timeout = seconds(request_s);
    s.handler_timeout = seconds(handler_s);
    return interop::run(serve_until_stopped(std::move(s)));
}
