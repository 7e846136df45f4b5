// One stream socket of the runtime, TCP or Unix domain: a listener, a connected stream,
// or a connection that is still being made; or one end of an anonymous pipe, kept and
// used as a connected stream (loop_pipe.cpp). It owns its libuv handle and the requests
// it issues (one write, one shutdown and one connect can be in flight per socket). The
// handle is a uv_tcp_t for TCP and a uv_pipe_t over the descriptor for a Unix socket or
// a pipe's end; reading, writing, shutting down, accepting and closing see only the
// uv_stream_t both begin with, so the families share all of that code. A listener, and
// a Unix connect that has to wait for writability, also own a uv_poll_t on the
// descriptor (see loop_tcp.cpp, loop_unix.cpp): libuv's own listening and connecting
// are never started on it.
//
// Memory. Only the handle and what every connected stream uses are embedded: a server
// holds many idle connections, and each would pay for the rest. The parts a socket
// needs only sometimes are allocated when first needed and kept until the socket is
// deleted: the write request with its copy (a write that found the send buffer full),
// the shutdown request, the connect request, and the readiness watch. So each lives
// exactly as long as it would embedded, which is what libuv needs: a request until its
// callback ran (closing the socket calls it, with UV_ECANCELED), the uv_poll_t until its
// close callback ran.
//
// Lifetime: created by tcp_listen, unix_listen, tcp_accept, tcp_connect, unix_connect,
// unix_pair or pipe_open; released by loop::close_socket, which takes it out of the
// socket table, queues the cancelled completions of whatever was pending on it, and
// hands it to uv_close. From then on it belongs to libuv until the close callback of its
// last handle deletes it; callbacks that libuv still delivers in between (a write or
// connect ending with UV_ECANCELED) find no operation attached and do nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <uv.h>

#include "interop/runtime/interface.hpp"
#include "op_data.hpp"
#include "read_stash.hpp"
#include "socket_table.hpp"

namespace interop::libuv_detail {

// What a write needs only when the send buffer is full (loop_stream.cpp): the request
// handed to uv_write and the copy of the bytes it carries.
struct write_spill {
    static constexpr std::size_t capacity = 16 * 1024;  // bytes a write copies for libuv

    uv_write_t request{};
    std::size_t copied = 0;  // bytes of the socket's write_op that request carries
    std::byte copy[capacity];
};

// A uv_poll_t on the descriptor, with a listener's accept queue beside it: a listener's
// watch, or the one with which a Unix connect waits for writability.
struct readiness_watch {
    uv_poll_t readiness{};        // readiness.data points back to the socket
    bool readiness_open = false;  // readiness was initialised and is not closing yet
    bool polling = false;         // readiness is started (while accepts wait)
    int listening_fd = -1;        // owned by the socket's `native` (uv_*_open), which closes it
    op_list accepts;              // pending accepts, in the order they started
};

struct stream_socket : socket_base {
    enum class role : std::uint8_t { connecting, stream, listener };
    // Named so because `unix` is a macro in GNU C++.
    // A pipe's end is a uv_pipe_t like a Unix socket, but no socket: shutdown_write
    // refuses it (shutdown() would fail, after libuv had already said yes).
    enum class family : std::uint8_t { tcp, unix_domain, pipe };
    static constexpr protocol tag = protocol::stream;

    stream_socket(loop& owner_loop, role r, family f) noexcept
        : socket_base(owner_loop, tag), kind(r), domain(f) {}
    stream_socket(const stream_socket&) = delete;
    stream_socket& operator=(const stream_socket&) = delete;

    // Either handle begins with the uv_stream_t fields, as libuv's own casts assume.
    uv_stream_t* stream() noexcept { return reinterpret_cast<uv_stream_t*>(&native); }
    uv_handle_t* handle() noexcept { return reinterpret_cast<uv_handle_t*>(&native); }
    const uv_handle_t* handle() const noexcept {
        return reinterpret_cast<const uv_handle_t*>(&native);
    }
    // The OS socket, or -1 while there is none (-1 then fails as bad_file_descriptor).
    int descriptor() const noexcept {
        uv_os_fd_t fd = -1;
        return uv_fileno(handle(), &fd) == 0 ? fd : -1;
    }
    static stream_socket* of(const uv_handle_t* h) noexcept {
        return static_cast<stream_socket*>(h->data);
    }
    static stream_socket* of(const uv_stream_t* s) noexcept {
        return static_cast<stream_socket*>(s->data);
    }

    union {
        uv_tcp_t tcp;    // family::tcp
        uv_pipe_t pipe;  // family::unix_domain, family::pipe
    } native{};          // its data points back here
    role kind;
    family domain;
    int open_handles = 1;  // native, and watch->readiness while open: deleted when all closed

    // --- reading (streams) ---
    io_operation* read_op = nullptr;  // the one pending read; its buffer gets the bytes
    bool reading = false;             // uv_read_start is in effect
    bool at_eof = false;              // the peer's FIN arrived (after the stash drains: 0)
    int read_error = 0;               // a libuv error that ended reading, reported to every read
    read_stash stash;

    // --- writing (streams) ---
    io_operation* write_op = nullptr;    // the one pending write
    bool write_started = false;          // false: it waits behind the copy of a cancelled write
    bool write_in_flight = false;        // spill->request is with libuv
    bool shut_down = false;              // shutdown_write was called
    std::unique_ptr<write_spill> spill;  // from the first write that had to wait
    std::unique_ptr<uv_shutdown_t> shutdown_req;  // from the first shutdown_write

    // --- connecting ---
    connect_operation* connect_op = nullptr;
    std::unique_ptr<uv_connect_t> connect_req;  // a TCP connect's

    // --- listening (and a Unix connect that waits) ---
    std::unique_ptr<readiness_watch> watch;  // from listen_on, or a Unix connect that waits
};

}  // namespace interop::libuv_detail
