/// \file
/// tls::context: the settings TLS streams are made with, shared by every stream of a
/// side (a server's certificate, the authorities a client trusts, ALPN protocols).
///
///     auto client = interop::tls::context::client();            // verifies servers
///     client.trust_pem(ca_pem);                                  // and trusts this CA too
///     auto server = interop::tls::context::server("cert.pem", "key.pem");
///     server.alpn({"http/1.1"});
///
/// A client context verifies the server's certificate against the system's trusted
/// authorities and the given ones, and checks it names the host the stream was made
/// for; verify_peer(false) turns both off. A server context asks clients for a
/// certificate only after verify_peer(true), and then refuses clients without one.
/// Both speak TLS 1.2 and 1.3, with OpenSSL's default ciphers, and never renegotiate.
///
/// Settings that cannot be used (a missing file, a key that does not match its
/// certificate, malformed PEM) throw std::system_error with OpenSSL's reason in the
/// message, when the setting is made. A context is cheap to copy: copies share the
/// settings, and a stream keeps them alive as long as it needs them. Change settings
/// before streams are made from the context, not while they run.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct ssl_ctx_st;

namespace interop::tls {

/// Which end of the handshake a stream is.
enum class role { client, server };

class context {
public:
    /// A client context: verifies the server against the system's trusted authorities.
    static context client();
    /// A server context with its certificate chain and private key, from PEM files.
    static context server(const std::filesystem::path& certificate_chain,
                          const std::filesystem::path& private_key);
    /// A server context with its certificate chain and private key, given as PEM text.
    static context server_pem(std::string_view certificate_chain, std::string_view private_key);

    /// Trusts the authorities of a PEM file (one or more certificates) too.
    context& trust_file(const std::filesystem::path& authorities);
    /// Trusts the authorities of PEM text (one or more certificates) too.
    context& trust_pem(std::string_view authorities);
    /// Client: verify the server's certificate and name (the default). Server: ask
    /// for a client certificate and refuse clients without a trusted one.
    context& verify_peer(bool on);
    /// The certificate this side presents (a client certificate, or a server's
    /// replacement), from PEM files.
    context& use_certificate(const std::filesystem::path& certificate_chain,
                             const std::filesystem::path& private_key);
    /// The certificate this side presents, given as PEM text.
    context& use_certificate_pem(std::string_view certificate_chain, std::string_view private_key);
    /// ALPN protocols, most preferred first. A client offers them; a server picks the
    /// first of its own that the client offers, and refuses a client that offers some
    /// but none of these (errc::no_application_protocol).
    context& alpn(std::initializer_list<std::string_view> protocols);
    context& alpn(const std::vector<std::string>& protocols);

    role side() const noexcept;
    bool verifies_peer() const noexcept;
    /// OpenSSL's SSL_CTX, for settings this class does not offer.
    ssl_ctx_st* native_handle() const noexcept;

    struct state;

private:
    explicit context(std::shared_ptr<state> s) noexcept : state_(std::move(s)) {}
    context& set_alpn(std::string wire);
    friend std::shared_ptr<const state> share(const context& c) noexcept;

    std::shared_ptr<state> state_;
};

/// The shared settings, for the streams made from a context.
std::shared_ptr<const context::state> share(const context& c) noexcept;

}  // namespace interop::tls
