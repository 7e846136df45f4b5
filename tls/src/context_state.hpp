// What a tls::context shares with its copies and its streams.
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "interop/tls/context.hpp"

namespace interop::tls {

struct context::state {
    state(SSL_CTX* c, role r) noexcept : ctx(c), side(r) {}
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() { SSL_CTX_free(ctx); }

    SSL_CTX* ctx;
    role side;
    bool verify = false;
    std::string alpn_wire;  // ALPN protocols in wire format: length-prefixed names
};

}  // namespace interop::tls
