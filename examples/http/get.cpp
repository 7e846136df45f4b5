// interop-http-get: fetches URLs over HTTP/1.1, in the manner of curl, on the http
// library of this directory.
//
//   interop-http-get http://127.0.0.1:8080/hello
//   interop-http-get -i -d 'some data' http://127.0.0.1:8080/echo
//   interop-http-get --chunked --data-file big.bin http://127.0.0.1:8080/echo
//   interop-http-get -v http://127.0.0.1:8080/hello http://127.0.0.1:8080/hello  # one connection
//   interop-http-get --cacert ca.pem https://localhost:8443/hello   # TLS, when interop::tls is
//   built
//
// Several URLs of one server share a connection while the server keeps it open.
// Exit status: 0; 22 with --fail when a status is 400 or more; 1 on any other error.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "http/client.hpp"
#include "interop/interop.hpp"
#ifdef INTEROP_HTTP_TLS
#include "interop/tls.hpp"
#endif

namespace {

struct url {
    bool tls = false;  // https://
    std::string host;  // without brackets
    std::uint16_t port = 80;
    std::string target = "/";
    std::string authority;  // what Host says
};

std::optional<url> parse_url(std::string_view text, std::string& why) {
    url u;
    if (text.substr(0, 8) == "https://") {
#ifdef INTEROP_HTTP_TLS
        u.tls = true;
        u.port = 443;
        text.remove_prefix(8);
#else
        why = "https is not supported by this build (interop::tls was not built)";
        return std::nullopt;
#endif
    } else if (text.substr(0, 7) == "http://") {
        text.remove_prefix(7);
    } else {
        why = "only http:// and https:// URLs are supported";
        return std::nullopt;
    }
    const std::size_t slash = text.find_first_of("/?");
    std::string_view authority = text.substr(0, slash);
    if (slash != std::string_view::npos) {
        u.target = std::string(text.substr(slash));
        if (u.target[0] == '?') u.target.insert(0, "/");
    }
    u.authority = std::string(authority);
    std::string_view port_text;
    if (!authority.empty() && authority[0] == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            why = "an IPv6 address without its ']'";
            return std::nullopt;
        }
        u.host = std::string(authority.substr(1, close - 1));
        std::string_view rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') {
                why = "garbage after the IPv6 address";
                return std::nullopt;
            }
            port_text = rest.substr(1);
        }
    } else {
        const std::size_t colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (u.host.empty()) {
        why = "no host";
        return std::nullopt;
    }
    if (!port_text.empty()) {
        const auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), u.port);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || u.port == 0) {
            why = "not a port: " + std::string(port_text);
            return std::nullopt;
        }
    }
    return u;
}

struct options {
    std::vector<std::string> urls;
    std::string method;
    std::string data;
    std::string data_file;
    bool chunked = false;
    std::vector<std::string> headers;
    bool head = false;
    bool include = false;
    bool http10 = false;
    bool fail = false;
    bool verbose = false;
    std::string cacert;     // https: also trust the authorities in this PEM file
    bool insecure = false;  // https: do not verify the server
};

#ifdef INTEROP_HTTP_TLS
using tls_stream = interop::tls::stream<interop::tcp_stream>;
using any_stream = std::variant<interop::tcp_stream, tls_stream>;
#else
using any_stream = std::variant<interop::tcp_stream>;
#endif

// The connection's stream: TCP, or TLS over it for an https:// URL.
class url_stream {
public:
    explicit url_stream(any_stream s) : s_(std::move(s)) {}

    interop::task<interop::io_result<std::size_t>> read(std::span<std::byte> out) {
        auto reading = std::visit([out](auto& s) { return as_task(s.read(out)); }, s_);
        co_return co_await std::move(reading);
    }
    interop::task<interop::io_result<std::size_t>> write(std::span<const std::byte> in) {
        auto writing = std::visit([in](auto& s) { return as_task(s.write(in)); }, s_);
        co_return co_await std::move(writing);
    }
    interop::task<interop::io_result<void>> close() {
        auto closing = std::visit([](auto& s) { return as_task(s.close()); }, s_);
        co_return co_await std::move(closing);
    }

private:
    template <typename Awaitable>
    static auto as_task(Awaitable op) -> interop::task<interop::detail::await_result_t<Awaitable>> {
        co_return co_await std::move(op);
    }

    any_stream s_;
};

using connection = http::client_connection<url_stream>;

interop::task<interop::io_result<interop::tcp_stream>> connect_tcp(const url& u) {
    auto found = co_await interop::resolve(u.host, u.port);
    if (!found) co_return found.error();
    std::error_code last = std::make_error_code(std::errc::host_unreachable);
    for (const interop::endpoint& e : *found) {
        auto stream = co_await interop::tcp_stream::connect(e);
        if (stream) co_return std::move(*stream);
        last = stream.error();
    }
    co_return last;
}

// Connects to the URL's server, with a TLS handshake for https:// that verifies the
// server's certificate against the host of the URL.
interop::task<interop::io_result<url_stream>> connect_to(const url& u, const options& opt) {
    auto tcp = co_await connect_tcp(u);
    if (!tcp) co_return tcp.error();
#ifdef INTEROP_HTTP_TLS
    if (u.tls) {
        auto ctx = interop::tls::context::client();
        if (!opt.cacert.empty()) ctx.trust_file(opt.cacert);
        if (opt.insecure) ctx.verify_peer(false);
        ctx.alpn({"http/1.1"});
        auto shaking = interop::tls::connect(ctx, std::move(*tcp), u.host);
        auto secured = co_await std::move(shaking);
        if (!secured) co_return secured.error();
        co_return url_stream(any_stream(std::move(*secured)));
    }
#else
    (void)opt;
#endif
    co_return url_stream(any_stream(std::move(*tcp)));
}

void print_head(std::FILE* to, const http::response_head& head) {
    std::fprintf(to, "HTTP/1.%d %d %s\r\n", head.version % 10, head.status, head.reason.c_str());
    for (const http::header_field& f : head.fields) {
        std::fprintf(to, "%s: %s\r\n", f.name.c_str(), f.value.c_str());
    }
    std::fprintf(to, "\r\n");
}

interop::task<int> fetch_all(options opt) {
    std::string body = opt.data;
    if (!opt.data_file.empty()) {
        auto read = co_await interop::read_file(opt.data_file);
        if (!read) {
            std::fprintf(stderr, "interop-http-get: cannot read %s: %s\n", opt.data_file.c_str(),
                         read.error().message().c_str());
            co_return 1;
        }
        body = std::move(*read);
    }
    std::FILE* out = stdout;
    std::optional<connection> conn;
    std::string conn_authority;
    int status = 0;
    for (const std::string& text : opt.urls) {
        std::string why;
        const std::optional<url> u = parse_url(text, why);
        if (!u) {
            std::fprintf(stderr, "interop-http-get: %s: %s\n", text.c_str(), why.c_str());
            co_return 1;
        }
        if (!conn || !conn->reusable() || conn_authority != u->authority) {
            interop::io_result<url_stream> stream = std::make_error_code(std::errc::io_error);
            try {
                stream = co_await connect_to(*u, opt);
            } catch (const std::system_error& e) {  // a --cacert OpenSSL cannot use
                std::fprintf(stderr, "interop-http-get: %s\n", e.what());
                co_return 1;
            }
            if (!stream) {
                std::fprintf(stderr, "interop-http-get: cannot connect to %s: %s\n",
                             u->authority.c_str(), stream.error().message().c_str());
                co_return 1;
            }
            conn.emplace(std::move(*stream));
            conn_authority = u->authority;
            if (opt.verbose) std::fprintf(stderr, "* connected to %s\n", u->authority.c_str());
        } else if (opt.verbose) {
            std::fprintf(stderr, "* reusing the connection to %s\n", u->authority.c_str());
        }
        http::outgoing req;
        req.head.method = !opt.method.empty()            ? opt.method
                          : opt.head                     ? "HEAD"
                          : !body.empty() || opt.chunked ? "POST"
                                                         : "GET";
        req.head.target = u->target;
        req.head.version = opt.http10 ? 10 : 11;
        req.head.fields.add("Host", u->authority);
        req.head.fields.add("User-Agent", "interop-http-get");
        for (const std::string& h : opt.headers) {
            const std::size_t colon = h.find(':');
            if (colon == std::string::npos) {
                std::fprintf(stderr, "interop-http-get: not a header: %s\n", h.c_str());
                co_return 1;
            }
            std::string value = h.substr(colon + 1);
            value.erase(0, value.find_first_not_of(" \t"));
            req.head.fields.add(h.substr(0, colon), std::move(value));
        }
        if (opt.http10 && !opt.chunked) req.head.fields.add("Connection", "keep-alive");
        req.body = body;
        req.chunked = opt.chunked;
        auto call = conn->call(std::move(req));
        interop::io_result<http::incoming> answer = co_await std::move(call);
        if (!answer) {
            std::fprintf(stderr, "interop-http-get: %s: %s\n", text.c_str(),
                         answer.error().message().c_str());
            co_return 1;
        }
        if (opt.include || opt.head) print_head(out, answer->head);
        std::fwrite(answer->body.data(), 1, answer->body.size(), out);
        std::fflush(out);
        if (answer->status() >= 400) status = answer->status();
    }
    co_return opt.fail&& status >= 400 ? 22 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Fetches http:// and https:// URLs over HTTP/1.1 (a small curl), on interop."};
    options opt;
    app.add_option("urls", opt.urls, "http:// or https:// URLs, fetched in order")->required();
    app.add_option("-X,--request", opt.method, "the method (default GET, or POST with data)");
    app.add_option("-d,--data", opt.data, "a request body");
    app.add_option("--data-file", opt.data_file, "a request body from a file")
        ->check(CLI::ExistingFile);
    app.add_flag("--chunked", opt.chunked, "send the body with Transfer-Encoding: chunked");
    app.add_option("-H,--header", opt.headers, "a request field, 'Name: value' (repeatable)");
    app.add_flag("-I,--head", opt.head, "a HEAD request; print the response head");
    app.add_flag("-i,--include", opt.include, "print the response head before the body");
    app.add_flag("--http1.0", opt.http10, "speak HTTP/1.0");
    app.add_flag("-f,--fail", opt.fail, "exit with 22 when a status is 400 or more");
    app.add_flag("-v,--verbose", opt.verbose, "say on stderr when a connection is made or reused");
    app.add_option("--cacert", opt.cacert, "https: trust the authorities in this PEM file too")
        ->check(CLI::ExistingFile);
    app.add_flag("-k,--insecure", opt.insecure, "https: do not verify the server's certificate");
    CLI11_PARSE(app, argc, argv);
    if (opt.chunked && opt.http10) {
        std::fprintf(stderr, "interop-http-get: HTTP/1.0 has no chunked bodies\n");
        return 2;
    }
    return interop::run(fetch_all(std::move(opt)));
}
