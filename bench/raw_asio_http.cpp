// interop-bench-raw-asio-http: the hand-written Asio baseline of the HTTP benchmark.
//
//   interop-bench-raw-asio-http [--address 127.0.0.1] [--port 0]
//
// A minimal HTTP/1.1 server written the way an experienced Asio user writes a fast
// one: one io_context run by one thread (concurrency hint 1), completion handlers
// rather than coroutines, one connection object that owns its socket, its input
// buffer and its output buffer. A connection reads with async_read_some into its
// buffer, answers every complete request found there (pipelined requests included)
// into the output buffer, sends the whole batch with one async_write and only then
// reads again. The responses are built once at start-up; in steady state a request
// allocates nothing (the output buffer keeps its capacity, handler memory is
// recycled by Asio's per-thread cache).
//
// What it serves: `GET /hello` answers 200 with `Hello, world!\n` (text/plain,
// Content-Length 14), any other path 404, any other method 405. Connections are kept
// alive (HTTP/1.1 by default, HTTP/1.0 when asked with `Connection: keep-alive`) and
// closed after the response to a request with `Connection: close`. Request bodies are
// skipped by their Content-Length; chunked request bodies are refused (501), as are
// malformed requests (400) and request heads larger than the buffer (431), each
// followed by closing the connection.
//
// Prints "listening port=N" and stops cleanly on SIGTERM or SIGINT.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <asio.hpp>

namespace {

using asio::ip::tcp;

// Bytes read at once, and the largest request head (request line and headers) accepted.
constexpr std::size_t buffer_size = 8192;

// ---- responses ------------------------------------------------------------------------

enum class status : std::uint8_t {
    ok,
    bad_request,
    not_found,
    method_not_allowed,
    header_too_large,
    not_implemented,
};
constexpr std::size_t status_count = 6;

// Every response, complete, once with `Connection: keep-alive` and once with
// `Connection: close`: answering a request is appending one string.
class response_table {
public:
    response_table() {
        add(status::ok, "200 OK", "Hello, world!\n");
        add(status::bad_request, "400 Bad Request", "Bad Request\n");
        add(status::not_found, "404 Not Found", "Not Found\n");
        add(status::method_not_allowed, "405 Method Not Allowed", "Method Not Allowed\n",
            "Allow: GET\r\n");
        add(status::header_too_large, "431 Request Header Fields Too Large",
            "Request Header Fields Too Large\n");
        add(status::not_implemented, "501 Not Implemented", "Not Implemented\n");
    }

    std::string_view get(status s, bool keep_alive) const {
        return responses_[static_cast<std::size_t>(s)][keep_alive ? 1 : 0];
    }

private:
    void add(status s, std::string_view line, std::string_view body,
             std::string_view extra_headers = {}) {
        for (std::size_t keep_alive = 0; keep_alive < 2; ++keep_alive) {
            std::string& r = responses_[static_cast<std::size_t>(s)][keep_alive];
            r.append("HTTP/1.1 ").append(line).append("\r\n");
            r.append("Content-Type: text/plain\r\n");
            r.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
            r.append(extra_headers);
            r.append(keep_alive != 0 ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
            r.append("\r\n").append(body);
        }
    }

    std::array<std::array<std::string, 2>, status_count> responses_;
};

// ---- parsing --------------------------------------------------------------------------

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == y; });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Whether the comma-separated list `value` holds `token` (lower case), in any case.
bool has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        if (iequals(trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

// What the server needs to know of one request.
struct request {
    status answer = status::ok;
    bool keep_alive = true;
    std::uint64_t body_length = 0;
};

// Parses a request head: the request line and the header lines, each ending in CRLF
// (the empty line that ends the head is not part of `head`).
request parse(std::string_view head) {
    request r;
    const auto fail = [&r] {
        r.answer = status::bad_request;
        r.keep_alive = false;
        return r;
    };

    std::size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    const std::size_t sp1 = line.find(' ');
    if (sp1 == 0 || sp1 == std::string_view::npos) return fail();
    const std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return fail();
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (version == "HTTP/1.1") {
        r.keep_alive = true;
    } else if (version == "HTTP/1.0") {
        r.keep_alive = false;
    } else {
        return fail();
    }

    bool chunked = false;
    bool has_length = false;
    while (!head.empty()) {
        eol = head.find("\r\n");
        const std::string_view header = head.substr(0, eol);
        head.remove_prefix(eol + 2);
        const std::size_t colon = header.find(':');
        if (colon == 0 || colon == std::string_view::npos) return fail();
        const std::string_view name = header.substr(0, colon);
        const std::string_view value = trim(header.substr(colon + 1));
        if (iequals(name, "content-length")) {
            std::uint64_t n = 0;
            if (value.empty() || value.size() > 18 || has_length) return fail();
            for (const char c : value) {
                if (c < '0' || c > '9') return fail();
                n = n * 10 + static_cast<std::uint64_t>(c - '0');
            }
            r.body_length = n;
            has_length = true;
        } else if (iequals(name, "connection")) {
            if (has_token(value, "close")) {
                r.keep_alive = false;
            } else if (has_token(value, "keep-alive")) {
                r.keep_alive = true;
            }
        } else if (iequals(name, "transfer-encoding")) {
            chunked = true;
        }
    }
    if (chunked) {
        // A body whose length this server cannot find: the connection cannot go on.
        r.answer = status::not_implemented;
        r.keep_alive = false;
    } else if (method != "GET") {
        r.answer = status::method_not_allowed;
    } else if (target != "/hello") {
        r.answer = status::not_found;
    }
    return r;
}

// ---- connections ----------------------------------------------------------------------

// Connections are linked into their server's list, so a shutdown can close them all.
struct connection_link {
    connection_link* prev = this;
    connection_link* next = this;
    void unlink() noexcept {
        prev->next = next;
        next->prev = prev;
        prev = next = this;
    }
    void insert_after(connection_link* at) noexcept {
        prev = at;
        next = at->next;
        at->next->prev = this;
        at->next = this;
    }
};

class connection : public connection_link {
public:
    connection(tcp::socket socket, connection_link* list, const response_table& responses)
        : socket_(std::move(socket)), responses_(responses) {
        insert_after(list);
        out_.reserve(buffer_size);
    }
    ~connection() { unlink(); }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void start() {
        std::error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        read();
    }

    // Cancels the pending operation; its handler then deletes the connection.
    void shut_down() {
        std::error_code ignored;
        socket_.close(ignored);
    }

private:
    void read() {
        socket_.async_read_some(asio::buffer(in_.data() + in_used_, in_.size() - in_used_),
                                [this](std::error_code ec, std::size_t n) {
                                    if (ec) {
                                        delete this;
                                        return;
                                    }
                                    in_used_ += n;
                                    answer();
                                    if (!out_.empty()) {
                                        write();
                                    } else {
                                        read();
                                    }
                                });
    }

    // Answers every complete request in the input buffer into out_, skips the bodies,
    // and keeps the start of an incomplete request for the next read.
    void answer() {
        std::size_t pos = 0;
        while (!closing_) {
            if (body_left_ > 0) {
                const std::size_t skip =
                    static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, in_used_ - pos));
                pos += skip;
                body_left_ -= skip;
                if (body_left_ > 0) break;
            }
            std::string_view rest(in_.data() + pos, in_used_ - pos);
            while (rest.starts_with("\r\n")) {  // empty lines before a request are ignored
                rest.remove_prefix(2);
                pos += 2;
            }
            const std::size_t end = rest.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (pos == 0 && rest.size() == in_.size()) {
                    respond(status::header_too_large, false);
                }
                break;
            }
            const request r = parse(rest.substr(0, end + 2));
            pos += end + 4;
            body_left_ = r.body_length;
            respond(r.answer, r.keep_alive);
        }
        in_used_ -= pos;
        if (in_used_ > 0 && pos > 0) std::memmove(in_.data(), in_.data() + pos, in_used_);
    }

    void respond(status s, bool keep_alive) {
        out_.append(responses_.get(s, keep_alive));
        if (!keep_alive) closing_ = true;
    }

    void write() {
        asio::async_write(socket_, asio::buffer(out_), [this](std::error_code ec, std::size_t) {
            if (ec) {
                delete this;
                return;
            }
            out_.clear();
            if (closing_) {
                // Sends the FIN after the last response; the destructor closes.
                std::error_code ignored;
                socket_.shutdown(tcp::socket::shutdown_send, ignored);
                delete this;
                return;
            }
            read();
        });
    }

    tcp::socket socket_;
    const response_table& responses_;
    std::array<char, buffer_size> in_;
    std::size_t in_used_ = 0;      // bytes of in_ not answered yet, from its start
    std::uint64_t body_left_ = 0;  // bytes of the last request's body still to skip
    std::string out_;              // the responses of one batch
    bool closing_ = false;         // a response said `Connection: close`
};

class server {
public:
    server(asio::io_context& io, const tcp::endpoint& at)
        : acceptor_(io, at), signals_(io, SIGTERM, SIGINT) {
        // Shutdown: close the listener and every connection; each pending operation
        // completes with operation_aborted and run() returns when none is left.
        signals_.async_wait([this](std::error_code, int) {
            std::error_code ignored;
            acceptor_.close(ignored);
            for (connection_link* l = connections_.next; l != &connections_; l = l->next) {
                static_cast<connection*>(l)->shut_down();
            }
        });
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    void accept() {
        acceptor_.async_accept([this](std::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted) return;  // closed at shutdown
            if (!ec) (new connection(std::move(socket), &connections_, responses_))->start();
            accept();
        });
    }

private:
    tcp::acceptor acceptor_;
    asio::signal_set signals_;
    connection_link connections_;
    response_table responses_;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "HTTP server of the interop HTTP benchmark: raw Asio with callbacks, one thread. "
        "Serves GET /hello."};
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;
    app.add_option("-a,--address", address, "IP address to listen on")->capture_default_str();
    app.add_option("-p,--port", port, "TCP port (0 picks a free one)")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        asio::io_context io(1);
        server s(io, tcp::endpoint(asio::ip::make_address(address), port));
        std::printf("listening port=%u\n", static_cast<unsigned>(s.port()));
        std::fflush(stdout);
        s.accept();
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "interop-bench-raw-asio-http: %s\n", e.what());
        return 1;
    }
    return 0;
}
