// One UDP socket of the runtime: its uv_udp_t, the one receive and the one send that
// may be pending on it, and the embedded request a send uses when it has to wait.
//
// Lifetime: created by udp_bind; released by loop::close_udp, which takes it out of
// the socket table, queues the cancelled completions of what was pending and hands it
// to uv_close. The close callback deletes it; a send callback that libuv delivers
// before that (UV_ECANCELED) finds no operation attached and does nothing.
#pragma once

#include <uv.h>

#include "interop/runtime/interface.hpp"
#include "socket_table.hpp"

namespace interop::libuv_detail {

struct udp_socket : socket_base {
    static constexpr protocol tag = protocol::udp;

    explicit udp_socket(loop& owner_loop) noexcept : socket_base(owner_loop, tag) {}
    udp_socket(const udp_socket&) = delete;
    udp_socket& operator=(const udp_socket&) = delete;

    uv_handle_t* handle() noexcept { return reinterpret_cast<uv_handle_t*>(&udp); }
    static udp_socket* of(const uv_handle_t* h) noexcept {
        return static_cast<udp_socket*>(h->data);
    }
    static udp_socket* of(const uv_udp_t* u) noexcept { return static_cast<udp_socket*>(u->data); }

    uv_udp_t udp{};  // udp.data points back here
    // The one pending receive; libuv receives (uv_udp_recv_start) exactly while it is set,
    // into its buffer.
    datagram_operation* receive_op = nullptr;
    // The one send libuv holds in send_req, from uv_udp_send until on_sent.
    datagram_operation* send_op = nullptr;
    uv_udp_send_t send_req{};
};

}  // namespace interop::libuv_detail
