#include "interop/tls/context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <system_error>

#include "context_state.hpp"
#include "openssl_error.hpp"

namespace interop::tls {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "interop::tls: " + what + ": " + detail::take_openssl_error());
}

std::shared_ptr<context::state> make_state(role side) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(side == role::client ? TLS_client_method() : TLS_server_method());
    if (ctx == nullptr) fail("cannot make an SSL_CTX");
    auto s = std::make_shared<context::state>(ctx, side);
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) fail("cannot ask for TLS 1.2");
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    return s;
}

// A memory BIO over PEM text; OpenSSL only reads it.
struct pem_source {
    explicit pem_source(std::string_view text)
        : bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))) {
        if (bio == nullptr) fail("cannot read PEM text");
    }
    pem_source(const pem_source&) = delete;
    pem_source& operator=(const pem_source&) = delete;
    ~pem_source() { BIO_free(bio); }
    BIO* bio;
};

void use_chain_pem(SSL_CTX* ctx, std::string_view chain, std::string_view key) {
    ERR_clear_error();
    {
        pem_source in(chain);
        X509* leaf = PEM_read_bio_X509(in.bio, nullptr, nullptr, nullptr);
        if (leaf == nullptr) fail("no certificate in the PEM text");
        const int used = SSL_CTX_use_certificate(ctx, leaf);
        X509_free(leaf);
        if (used != 1) fail("cannot use the certificate");
        SSL_CTX_clear_chain_certs(ctx);
        while (X509* extra = PEM_read_bio_X509(in.bio, nullptr, nullptr, nullptr)) {
            // SSL_CTX_add0_chain_cert, without the macro's C cast.
            if (SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN_CERT, 0, extra) != 1) {
                X509_free(extra);
                fail("cannot add a certificate to the chain");
            }
        }
        ERR_clear_error();  // the end of the text reads as an error
    }
    pem_source in(key);
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in.bio, nullptr, nullptr, nullptr);
    if (pkey == nullptr) fail("no private key in the PEM text");
    const int used = SSL_CTX_use_PrivateKey(ctx, pkey);
    EVP_PKEY_free(pkey);
    if (used != 1) fail("cannot use the private key");
    if (SSL_CTX_check_private_key(ctx) != 1) fail("the private key does not match the certificate");
}

void use_chain_files(SSL_CTX* ctx, const std::filesystem::path& chain,
                     const std::filesystem::path& key) {
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, chain.c_str()) != 1)
        fail("cannot use the certificate chain in '" + chain.string() + "'");
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
        fail("cannot use the private key in '" + key.string() + "'");
    if (SSL_CTX_check_private_key(ctx) != 1)
        fail("the private key in '" + key.string() + "' does not match the certificate");
}

// The server's choice: its first protocol that the client offers. A client that offers
// ALPN but none of these is refused with the no_application_protocol alert (RFC 7301).
int select_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
                const unsigned char* in, unsigned int inlen, void* arg) {
    const auto* s = static_cast<const context::state*>(arg);
    unsigned char* chosen = nullptr;
    const auto* ours = reinterpret_cast<const unsigned char*>(s->alpn_wire.data());
    if (SSL_select_next_proto(&chosen, outlen, ours, static_cast<unsigned>(s->alpn_wire.size()), in,
                              inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

// Appends one protocol name in ALPN's wire format: its length in a byte, then the name.
void append_alpn(std::string& wire, std::string_view protocol) {
    if (protocol.empty() || protocol.size() > 255)
        throw std::invalid_argument("interop::tls: an ALPN protocol name has 1 to 255 bytes");
    wire += static_cast<char>(protocol.size());
    wire += protocol;
}

}  // namespace

context context::client() {
    auto s = make_state(role::client);
    if (SSL_CTX_set_default_verify_paths(s->ctx) != 1) fail("cannot load the system's authorities");
    context c(std::move(s));
    c.verify_peer(true);
    return c;
}

context context::server(const std::filesystem::path& certificate_chain,
                        const std::filesystem::path& private_key) {
    context c(make_state(role::server));
    use_chain_files(c.state_->ctx, certificate_chain, private_key);
    return c;
}

context context::server_pem(std::string_view certificate_chain, std::string_view private_key) {
    context c(make_state(role::server));
    use_chain_pem(c.state_->ctx, certificate_chain, private_key);
    return c;
}

context& context::trust_file(const std::filesystem::path& authorities) {
    ERR_clear_error();
    if (SSL_CTX_load_verify_locations(state_->ctx, authorities.c_str(), nullptr) != 1)
        fail("cannot load authorities from '" + authorities.string() + "'");
    return *this;
}

context& context::trust_pem(std::string_view authorities) {
    ERR_clear_error();
    pem_source in(authorities);
    X509_STORE* store = SSL_CTX_get_cert_store(state_->ctx);
    int added = 0;
    while (X509* cert = PEM_read_bio_X509(in.bio, nullptr, nullptr, nullptr)) {
        const int ok = X509_STORE_add_cert(store, cert);
        X509_free(cert);
        if (ok != 1) fail("cannot trust a certificate");
        ++added;
    }
    ERR_clear_error();
    if (added == 0) fail("no certificate in the PEM text to trust");
    return *this;
}

context& context::verify_peer(bool on) {
    int mode = SSL_VERIFY_NONE;
    if (on) {
        mode = SSL_VERIFY_PEER;
        if (state_->side == role::server) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(state_->ctx, mode, nullptr);
    state_->verify = on;
    return *this;
}

context& context::use_certificate(const std::filesystem::path& certificate_chain,
                                  const std::filesystem::path& private_key) {
    use_chain_files(state_->ctx, certificate_chain, private_key);
    return *this;
}

context& context::use_certificate_pem(std::string_view certificate_chain,
                                      std::string_view private_key) {
    use_chain_pem(state_->ctx, certificate_chain, private_key);
    return *this;
}

context& context::alpn(std::initializer_list<std::string_view> protocols) {
    std::string wire;
    for (std::string_view p : protocols) append_alpn(wire, p);
    return set_alpn(std::move(wire));
}

context& context::alpn(const std::vector<std::string>& protocols) {
    std::string wire;
    for (std::string_view p : protocols) append_alpn(wire, p);
    return set_alpn(std::move(wire));
}

context& context::set_alpn(std::string wire) {
    state_->alpn_wire = std::move(wire);
    if (state_->side == role::client) {
        const auto* data = reinterpret_cast<const unsigned char*>(state_->alpn_wire.data());
        // 0 is success here, unlike the rest of OpenSSL.
        if (SSL_CTX_set_alpn_protos(state_->ctx, data,
                                    static_cast<unsigned>(state_->alpn_wire.size())) != 0)
            fail("cannot set the ALPN protocols");
    } else if (state_->alpn_wire.empty()) {
        SSL_CTX_set_alpn_select_cb(state_->ctx, nullptr, nullptr);
    } else {
        SSL_CTX_set_alpn_select_cb(state_->ctx, select_alpn, state_.get());
    }
    return *this;
}

role context::side() const noexcept { return state_->side; }
bool context::verifies_peer() const noexcept { return state_->verify; }
ssl_ctx_st* context::native_handle() const noexcept { return state_->ctx; }

std::shared_ptr<const context::state> share(const context& c) noexcept { return c.state_; }

}  // namespace interop::tls
