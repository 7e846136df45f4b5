// interop-bench-raw-libuv: the hand-written libuv baseline of the echo benchmark,
// in the C style a libuv program is written in.
//
//   interop-bench-raw-libuv --port 0 [--count-allocations]
//
// libuv done well, the baseline the interop ratios are measured against:
// - reading stays enabled for the life of a connection (uv_read_start once; no
//   uv_read_stop per message, which would cost epoll_ctl calls every time);
// - alloc_cb hands out the connection's one buffer every time, nothing is allocated
//   per message;
// - the echo is sent with uv_try_write first, which on loopback writes everything
//   at once; only a remainder goes through uv_write (and reading pauses until it is
//   written, the one case where the buffer is still in use).
//
// Prints "listening port=N" and stops cleanly on SIGTERM or SIGINT.
#include <uv.h>

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "alloc_counter.hpp"

namespace {

constexpr std::size_t buffer_size = 4096;  // the same per connection in every server
constexpr int listen_backlog = 4096;       // SOMAXCONN, as in every server

struct connection {
    uv_tcp_t handle;       // handle.data points back to the connection
    uv_write_t write_req;  // for the remainder that uv_try_write could not send
    char buffer[buffer_size];
};

connection* connection_of(uv_handle_t* h) { return static_cast<connection*>(h->data); }
uv_stream_t* as_stream(connection* c) { return reinterpret_cast<uv_stream_t*>(&c->handle); }

void on_closed(uv_handle_t* h) { std::free(connection_of(h)); }

void close_connection(connection* c) {
    uv_handle_t* h = reinterpret_cast<uv_handle_t*>(&c->handle);
    if (!uv_is_closing(h)) uv_close(h, on_closed);
}

void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
    connection* c = connection_of(h);
    *buf = uv_buf_init(c->buffer, sizeof c->buffer);
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);

void on_written(uv_write_t* req, int status) {
    connection* c = static_cast<connection*>(req->data);
    if (status < 0 || uv_read_start(as_stream(c), on_alloc, on_read) != 0) close_connection(c);
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    connection* c = connection_of(reinterpret_cast<uv_handle_t*>(stream));
    if (nread == 0) return;  // EAGAIN, nothing to do
    if (nread < 0) {         // UV_EOF or an error
        close_connection(c);
        return;
    }
    uv_buf_t out = uv_buf_init(buf->base, static_cast<unsigned>(nread));
    const int sent = uv_try_write(stream, &out, 1);
    if (sent == nread) return;
    if (sent < 0 && sent != UV_EAGAIN) {
        close_connection(c);
        return;
    }
    // The socket buffer is full: send the rest with uv_write, and read no more into
    // the buffer until it has gone.
    const std::size_t done = sent > 0 ? static_cast<std::size_t>(sent) : 0;
    out = uv_buf_init(buf->base + done,
                      static_cast<unsigned>(static_cast<std::size_t>(nread) - done));
    uv_read_stop(stream);
    c->write_req.data = c;
    if (uv_write(&c->write_req, stream, &out, 1, on_written) != 0) close_connection(c);
}

void on_connection(uv_stream_t* listener, int status) {
    if (status < 0) return;
    auto* c = static_cast<connection*>(std::malloc(sizeof(connection)));
    if (c == nullptr) return;
    uv_tcp_init(listener->loop, &c->handle);
    c->handle.data = c;
    if (uv_accept(listener, as_stream(c)) != 0) {
        close_connection(c);
        return;
    }
    uv_tcp_nodelay(&c->handle, 1);
    if (uv_read_start(as_stream(c), on_alloc, on_read) != 0) close_connection(c);
}

void close_any(uv_handle_t* h, void*) {
    if (uv_is_closing(h)) return;
    if (h->type == UV_TCP && h->data != nullptr) {
        close_connection(connection_of(h));
    } else {
        uv_close(h, nullptr);
    }
}

void on_signal(uv_signal_t* s, int) { uv_walk(s->loop, close_any, nullptr); }

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Echo server of the interop benchmark: raw libuv, one loop."};
    std::uint16_t port = 0;
    bool count_allocations = false;
    app.add_option("-p,--port", port, "TCP port on 127.0.0.1 (0 picks a free one)")
        ->capture_default_str();
    app.add_flag("--count-allocations", count_allocations,
                 "count heap allocations in the window the load generator marks with SIGUSR1");
    CLI11_PARSE(app, argc, argv);
    if (count_allocations && !bench::enable_allocation_counting()) return 2;

    uv_loop_t* loop = uv_default_loop();
    uv_tcp_t listener;
    uv_tcp_init(loop, &listener);
    listener.data = nullptr;
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", port, &addr);
    int rc = uv_tcp_bind(&listener, reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0)
        rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener), listen_backlog, on_connection);
    if (rc != 0) {
        std::fprintf(stderr, "interop-bench-raw-libuv: cannot listen on 127.0.0.1:%u: %s\n",
                     static_cast<unsigned>(port), uv_strerror(rc));
        return 1;
    }
    sockaddr_storage bound{};
    int len = sizeof bound;
    uv_tcp_getsockname(&listener, reinterpret_cast<sockaddr*>(&bound), &len);
    std::printf(
        "listening port=%u\n",
        static_cast<unsigned>(ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port)));
    std::fflush(stdout);

    uv_signal_t term;
    uv_signal_t interrupt;
    uv_signal_init(loop, &term);
    uv_signal_init(loop, &interrupt);
    uv_signal_start(&term, on_signal, SIGTERM);
    uv_signal_start(&interrupt, on_signal, SIGINT);

    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return 0;
}
