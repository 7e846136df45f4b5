// interop-bench-raw-asio: the hand-written Asio baseline of the echo benchmark.
//
//   interop-bench-raw-asio --port 0 [--count-allocations]
//
// Plain Asio as its documentation teaches it, done well: one io_context run by one
// thread (concurrency hint 1), completion handlers rather than coroutines, one
// session object per connection that owns its socket and its buffer, and
// async_read_some / async_write chained from the handlers. Handlers are small
// lambdas capturing one pointer, so Asio's default recycling allocator serves their
// memory from a per-thread cache and steady-state messages allocate nothing.
//
// Prints "listening port=N" and stops cleanly on SIGTERM or SIGINT.
#include <CLI/CLI.hpp>
#include <array>
#include <cstddef>
#include <cstdio>
#include <system_error>

#include <asio.hpp>

#include "alloc_counter.hpp"

namespace {

using asio::ip::tcp;

constexpr std::size_t buffer_size = 4096;  // the same per connection in every server

// Sessions are linked into their server's list, so a shutdown can close them all.
struct session_link {
    session_link* prev = this;
    session_link* next = this;
    void unlink() noexcept {
        prev->next = next;
        next->prev = prev;
        prev = next = this;
    }
    void insert_after(session_link* at) noexcept {
        prev = at;
        next = at->next;
        at->next->prev = this;
        at->next = this;
    }
};

class session : public session_link {
public:
    session(tcp::socket socket, session_link* list) : socket_(std::move(socket)) {
        insert_after(list);
    }
    ~session() { unlink(); }
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void start() {
        std::error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        read();
    }

    // Cancels the pending operation; its handler then deletes the session.
    void shut_down() {
        std::error_code ignored;
        socket_.close(ignored);
    }

private:
    void read() {
        socket_.async_read_some(asio::buffer(buffer_), [this](std::error_code ec, std::size_t n) {
            if (ec) {
                delete this;
                return;
            }
            write(n);
        });
    }

    void write(std::size_t n) {
        asio::async_write(socket_, asio::buffer(buffer_.data(), n),
                          [this](std::error_code ec, std::size_t) {
                              if (ec) {
                                  delete this;
                                  return;
                              }
                              read();
                          });
    }

    tcp::socket socket_;
    std::array<char, buffer_size> buffer_;
};

class server {
public:
    server(asio::io_context& io, std::uint16_t port)
        // The acceptor listens with max_listen_connections: SOMAXCONN (4096), the
        // backlog every server of the benchmark uses.
        : acceptor_(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port)),
          signals_(io, SIGTERM, SIGINT) {
        // Shutdown: close the listener and every connection; each pending operation
        // completes with operation_aborted and run() returns when none is left.
        signals_.async_wait([this](std::error_code, int) {
            std::error_code ignored;
            acceptor_.close(ignored);
            for (session_link* l = sessions_.next; l != &sessions_; l = l->next) {
                static_cast<session*>(l)->shut_down();
            }
        });
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    void accept() {
        acceptor_.async_accept([this](std::error_code ec, tcp::socket socket) {
            if (ec) return;  // closed at shutdown
            (new session(std::move(socket), &sessions_))->start();
            accept();
        });
    }

private:
    tcp::acceptor acceptor_;
    asio::signal_set signals_;
    session_link sessions_;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Echo server of the interop benchmark: raw Asio with callbacks, one thread."};
    std::uint16_t port = 0;
    bool count_allocations = false;
    app.add_option("-p,--port", port, "TCP port on 127.0.0.1 (0 picks a free one)")
        ->capture_default_str();
    app.add_flag("--count-allocations", count_allocations,
                 "count heap allocations in the window the load generator marks with SIGUSR1");
    CLI11_PARSE(app, argc, argv);
    if (count_allocations && !bench::enable_allocation_counting()) return 2;

    try {
        asio::io_context io(1);
        server s(io, port);
        std::printf("listening port=%u\n", static_cast<unsigned>(s.port()));
        std::fflush(stdout);
        s.accept();
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "interop-bench-raw-asio: %s\n", e.what());
        return 1;
    }
    return 0;
}
