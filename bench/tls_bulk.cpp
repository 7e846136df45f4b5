// interop-bench-tls-bulk-<runtime>: the two ends of the TLS bulk-transfer benchmark
// (bench/tls/run), written against interop::tls only; one binary per runtime.
//
//   interop-bench-tls-bulk-inline server --port 0 --cert cert.pem --key key.pem
//                                        [--cipher NAME] [--connections 1] [--chunk 65536]
//   interop-bench-tls-bulk-inline client --port P --ca ca.pem --bytes N [--cipher NAME]
//                                        [--chunk 65536] [--input FILE]
//
// The server listens on 127.0.0.1, prints "listening port=N" once it accepts, then
// serves the given number of connections one after the other: the handshake, then
// reads into a buffer of --chunk bytes until the client's close_notify, discarding
// what it reads. For each connection it prints the plaintext bytes received and the
// seconds from the first of them to the end of the stream. A connection that ends
// without close_notify, or any error, makes it exit with status 1.
//
// The client connects to 127.0.0.1:P, checks the server's certificate against the CA
// for the name "localhost", then writes --bytes bytes of plaintext with write_all, a
// --chunk at a time, sends close_notify and reads until the server's close_notify,
// which the server sends once it has read everything, then closes the socket. The
// plaintext comes from one buffer filled once, or with --input from FILE, read a chunk
// at a time with plain blocking read() calls as `openssl s_client` reads its standard
// input, so that both clients do the same work. It prints the bytes, the seconds from
// the end of the handshake to the server's close_notify and the MB/s (10^6 bytes per second).
//
// --cipher pins the cipher: a TLS 1.3 suite (TLS_AES_128_GCM_SHA256, ...) with
// SSL_CTX_set_ciphersuites and TLS 1.3 only, any other name as a TLS 1.2 cipher list
// with SSL_CTX_set_cipher_list and TLS 1.2 only. Both ends print the protocol and the
// cipher the handshake settled on.
#include <fcntl.h>
#include <openssl/ssl.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <interop/interop.hpp>
#include <interop/tls/context.hpp>
#include <interop/tls/stream.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Pins the cipher (and with it the protocol version) on a context; false when OpenSSL
// does not know the name.
bool pin_cipher(interop::tls::context& ctx, const std::string& cipher) {
    if (cipher.empty()) return true;
    SSL_CTX* native = ctx.native_handle();
    if (cipher.starts_with("TLS_")) {
        return SSL_CTX_set_ciphersuites(native, cipher.c_str()) == 1 &&
               SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) == 1;
    }
    return SSL_CTX_set_cipher_list(native, cipher.c_str()) == 1 &&
           SSL_CTX_set_max_proto_version(native, TLS1_2_VERSION) == 1;
}

template <typename Stream>
void print_session(const char* side, Stream& tls) {
    SSL* ssl = tls.native_handle();
    std::printf("%s protocol=%s cipher=%s\n", side, SSL_get_version(ssl),
                SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
}

struct server_options {
    std::uint16_t port = 0;
    std::string cert{};
    std::string key{};
    std::string cipher{};
    unsigned connections = 1;
    std::size_t chunk = 65536;
};

struct client_options {
    std::uint16_t port = 0;
    std::string ca{};
    std::string cipher{};
    std::uint64_t bytes = 0;
    std::size_t chunk = 65536;
    std::string input{};
};

// One connection: the handshake, then everything until close_notify.
interop::task<bool> receive_all(interop::tls::context ctx, interop::tcp_stream tcp,
                                std::vector<std::byte>& buffer) {
    auto accepting = interop::tls::accept(std::move(ctx), std::move(tcp));
    auto accepted = co_await std::move(accepting);
    if (!accepted) {
        std::fprintf(stderr, "interop-bench-tls-bulk: handshake failed: %s\n",
                     accepted.error().message().c_str());
        co_return false;
    }
    auto& tls = *accepted;
    print_session("server", tls);
    std::uint64_t total = 0;
    clock_type::time_point first{};
    for (;;) {
        interop::io_result<std::size_t> n = co_await tls.read(std::span(buffer));
        if (!n) {
            std::fprintf(stderr, "interop-bench-tls-bulk: read failed after %llu bytes: %s (%s)\n",
                         static_cast<unsigned long long>(total), n.error().message().c_str(),
                         tls.last_error_text().c_str());
            co_return false;
        }
        if (*n == 0) break;
        if (total == 0) first = clock_type::now();
        total += *n;
    }
    const double seconds = total == 0 ? 0.0 : seconds_since(first);
    (void)co_await tls.close();
    std::printf("received bytes=%llu seconds=%.6f MB/s=%.1f\n",
                static_cast<unsigned long long>(total), seconds,
                seconds > 0 ? static_cast<double>(total) / seconds / 1e6 : 0.0);
    std::fflush(stdout);
    co_return true;
}

interop::task<int> serve(server_options options) {
    interop::tls::context ctx = interop::tls::context::server(options.cert, options.key);
    if (!pin_cipher(ctx, options.cipher)) {
        std::fprintf(stderr, "interop-bench-tls-bulk: unknown cipher '%s'\n",
                     options.cipher.c_str());
        co_return 2;
    }
    auto local = interop::endpoint::parse("127.0.0.1:0").value();
    local.port = options.port;
    auto listener = co_await interop::tcp_listener::bind(local);
    if (!listener) {
        std::fprintf(stderr, "interop-bench-tls-bulk: cannot listen on 127.0.0.1:%u: %s\n",
                     static_cast<unsigned>(options.port), listener.error().message().c_str());
        co_return 1;
    }
    std::printf("listening port=%u\n", static_cast<unsigned>(listener->local_endpoint()->port));
    std::fflush(stdout);
    std::vector<std::byte> buffer(options.chunk);
    bool ok = true;
    for (unsigned i = 0; i < options.connections; ++i) {
        auto conn = co_await listener->accept();
        if (!conn) {
            std::fprintf(stderr, "interop-bench-tls-bulk: accept failed: %s\n",
                         conn.error().message().c_str());
            co_return 1;
        }
        auto received = receive_all(ctx, std::move(*conn), buffer);
        if (!co_await std::move(received)) ok = false;
    }
    co_return ok ? 0 : 1;
}

// The plaintext of the next chunk: the same buffer every time, or the next bytes of
// the input file.
struct source {
    std::vector<std::byte> buffer;
    int fd = -1;

    std::span<const std::byte> next(std::uint64_t remaining) {
        const std::size_t want = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining, static_cast<std::uint64_t>(buffer.size())));
        if (fd < 0) return std::span(buffer).first(want);
        const ssize_t n = ::read(fd, buffer.data(), want);
        if (n <= 0) return {};
        return std::span(buffer).first(static_cast<std::size_t>(n));
    }
};

interop::task<int> send(client_options options) {
    interop::tls::context ctx = interop::tls::context::client();
    ctx.trust_file(options.ca);
    if (!pin_cipher(ctx, options.cipher)) {
        std::fprintf(stderr, "interop-bench-tls-bulk: unknown cipher '%s'\n",
                     options.cipher.c_str());
        co_return 2;
    }
    source plaintext{.buffer = std::vector<std::byte>(options.chunk), .fd = -1};
    for (std::size_t i = 0; i < plaintext.buffer.size(); ++i) {
        plaintext.buffer[i] = static_cast<std::byte>('a' + i % 26);
    }
    if (!options.input.empty()) {
        plaintext.fd = ::open(options.input.c_str(), O_RDONLY | O_CLOEXEC);
        if (plaintext.fd < 0) {
            std::fprintf(stderr, "interop-bench-tls-bulk: cannot open %s: %s\n",
                         options.input.c_str(), std::generic_category().message(errno).c_str());
            co_return 2;
        }
    }

    auto server = interop::endpoint::parse("127.0.0.1:0").value();
    server.port = options.port;
    auto tcp = co_await interop::tcp_stream::connect(server);
    if (!tcp) {
        std::fprintf(stderr, "interop-bench-tls-bulk: cannot connect to port %u: %s\n",
                     static_cast<unsigned>(options.port), tcp.error().message().c_str());
        co_return 1;
    }
    auto connecting =
        interop::tls::connect(std::move(ctx), std::move(*tcp), std::string("localhost"));
    auto connected = co_await std::move(connecting);
    if (!connected) {
        std::fprintf(stderr, "interop-bench-tls-bulk: handshake failed: %s\n",
                     connected.error().message().c_str());
        co_return 1;
    }
    auto& tls = *connected;
    print_session("client", tls);

    const auto start = clock_type::now();
    std::uint64_t sent = 0;
    while (sent < options.bytes) {
        std::span<const std::byte> chunk = plaintext.next(options.bytes - sent);
        if (chunk.empty()) {
            std::fprintf(stderr, "interop-bench-tls-bulk: %s ended after %llu bytes\n",
                         options.input.c_str(), static_cast<unsigned long long>(sent));
            co_return 1;
        }
        auto written = co_await interop::write_all(tls, chunk);
        if (!written) {
            std::fprintf(stderr, "interop-bench-tls-bulk: write failed after %llu bytes: %s\n",
                         static_cast<unsigned long long>(sent), written.error().message().c_str());
            co_return 1;
        }
        sent += chunk.size();
    }
    // close_notify, then what the server still sends until its own close_notify: its
    // TLS 1.3 session tickets at least. Closing the socket with them unread would make
    // the kernel reset the connection, and the server lose what it had not read yet.
    auto shut = co_await tls.shutdown_write();
    if (!shut) {
        std::fprintf(stderr, "interop-bench-tls-bulk: shutdown_write failed: %s\n",
                     shut.error().message().c_str());
        co_return 1;
    }
    for (;;) {
        auto n = co_await tls.read(std::span(plaintext.buffer));
        if (!n) {
            std::fprintf(stderr,
                         "interop-bench-tls-bulk: the server did not end with close_notify: %s\n",
                         n.error().message().c_str());
            co_return 1;
        }
        if (*n == 0) break;
    }
    auto closed = co_await tls.close();
    const double seconds = seconds_since(start);
    if (plaintext.fd >= 0) ::close(plaintext.fd);
    if (!closed) {
        std::fprintf(stderr, "interop-bench-tls-bulk: close failed: %s\n",
                     closed.error().message().c_str());
        co_return 1;
    }
    std::printf("sent bytes=%llu seconds=%.6f MB/s=%.1f\n", static_cast<unsigned long long>(sent),
                seconds, seconds > 0 ? static_cast<double>(sent) / seconds / 1e6 : 0.0);
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"The two ends of the TLS bulk-transfer benchmark (bench/tls/run)."};
    app.require_subcommand(1);

    server_options server;
    CLI::App* serving = app.add_subcommand(
        "server", "receive and discard what clients send; print bytes and seconds");
    serving->add_option("-p,--port", server.port, "TCP port on 127.0.0.1 (0 picks a free one)")
        ->capture_default_str();
    serving->add_option("--cert", server.cert, "certificate chain (PEM)")->required();
    serving->add_option("--key", server.key, "private key (PEM)")->required();
    serving->add_option("--cipher", server.cipher,
                        "TLS 1.3 suite (TLS_...) or TLS 1.2 cipher list to pin");
    serving
        ->add_option("-n,--connections", server.connections,
                     "connections to serve, one after the other")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    serving->add_option("--chunk", server.chunk, "bytes asked for by each read")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24));

    client_options client;
    CLI::App* sending =
        app.add_subcommand("client", "send --bytes of plaintext, then close; print MB/s");
    sending->add_option("-p,--port", client.port, "the server's TCP port on 127.0.0.1")->required();
    sending->add_option("--ca", client.ca, "the authority that issued the server's certificate")
        ->required();
    sending->add_option("--bytes", client.bytes, "plaintext bytes to send")->required();
    sending->add_option("--cipher", client.cipher,
                        "TLS 1.3 suite (TLS_...) or TLS 1.2 cipher list to pin");
    sending->add_option("--chunk", client.chunk, "bytes given to each write_all")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24));
    sending->add_option("--input", client.input,
                        "read the plaintext from this file (blocking reads of --chunk bytes)");
    CLI11_PARSE(app, argc, argv);

    if (serving->parsed()) return interop::run(serve(std::move(server)));
    return interop::run(send(std::move(client)));
}
