// One TCP socket of the runtime: a listener, a connected stream, or a connection that
// is still being made. It owns its uv_tcp_t and the libuv requests it issues, all
// embedded (one write, one shutdown and one connect can be in flight per socket). A
// listener also owns a uv_poll_t on its descriptor (see loop_tcp.cpp): libuv's
// own listening is never started on it.
//
// Lifetime: created by tcp_listen, tcp_accept or tcp_connect; released by
// loop::close_socket, which takes it out of the socket table, queues the cancelled
// completions of whatever was pending on it, and hands it to uv_close. From then on it
// belongs to libuv until the close callback of its last handle deletes it; callbacks
// that libuv still delivers in between (a write or connect ending with UV_ECANCELED)
// find no operation attached and do nothing.
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

struct tcp_socket : socket_base {
    enum class role : std::uint8_t { connecting, stream, listener };
    static constexpr protocol tag = protocol::tcp;

    // Bytes a write copies for libuv when the send buffer is full (see loop_stream.cpp).
    static constexpr std::size_t write_copy_capacity = 16 * 1024;

    tcp_socket(loop& owner_loop, role r) noexcept : socket_base(owner_loop, tag), kind(r) {}
    tcp_socket(const tcp_socket&) = delete;
    tcp_socket& operator=(const tcp_socket&) = delete;

    uv_stream_t* stream() noexcept { return reinterpret_cast<uv_stream_t*>(&tcp); }
    uv_handle_t* handle() noexcept { return reinterpret_cast<uv_handle_t*>(&tcp); }
    static tcp_socket* of(const uv_handle_t* h) noexcept {
        return static_cast<tcp_socket*>(h->data);
    }
    static tcp_socket* of(const uv_stream_t* s) noexcept {
        return static_cast<tcp_socket*>(s->data);
    }

    uv_tcp_t tcp{};  // tcp.data points back here
    role kind;
    int open_handles = 1;  // tcp, and a listener's readiness: deleted when both closed

    // --- reading (streams) ---
    io_operation* read_op = nullptr;  // the one pending read; its buffer gets the bytes
    bool reading = false;             // uv_read_start is in effect
    bool at_eof = false;              // the peer's FIN arrived (after the stash drains: 0)
    int read_error = 0;               // a libuv error that ended reading, reported to every read
    read_stash stash;

    // --- writing (streams) ---
    io_operation* write_op = nullptr;  // the one pending write
    bool write_started = false;        // false: it waits behind the copy of a cancelled write
    bool write_in_flight = false;      // write_req is with libuv
    bool shut_down = false;            // shutdown_write was called
    std::size_t write_copied = 0;      // bytes of write_op that write_req carries
    std::unique_ptr<std::byte[]> write_copy;
    uv_write_t write_req{};
    uv_shutdown_t shutdown_req{};

    // --- connecting ---
    connect_operation* connect_op = nullptr;
    uv_connect_t connect_req{};

    // --- listening ---
    op_list accepts;        // pending accepts, in the order they started
    uv_poll_t readiness{};  // on the listening descriptor; readiness.data points back here
    bool polling = false;   // readiness is started (while accepts wait)
    int listening_fd = -1;  // owned by `tcp` (uv_tcp_open), which closes it
};

}  // namespace interop::libuv_detail
