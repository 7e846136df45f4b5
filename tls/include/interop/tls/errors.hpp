/// \file
/// Error codes of interop::tls, in their own category ("interop.tls").
///
/// The certificate codes say why the peer's certificate was refused, so that a caller
/// can tell a wrong name from an expired or an untrusted certificate without reading
/// OpenSSL's text; tls::stream::last_error_text() has OpenSSL's own words.
#pragma once

#include <system_error>

namespace interop::tls {

/// Errors of a TLS stream, in the category tls::category().
enum class errc {
    handshake_failed =
        1,  ///< the handshake failed for another reason (an alert, no shared cipher, ...)
    certificate_verify_failed,  ///< the peer's certificate was refused for another reason
    hostname_mismatch,          ///< the certificate is not for the name (or address) asked for
    certificate_expired,        ///< the certificate (or one in its chain) has expired
    certificate_not_yet_valid,  ///< the certificate (or one in its chain) is not valid yet
    untrusted_certificate,      ///< no trusted authority issued it (self-signed, unknown CA)
    no_peer_certificate,        ///< the peer sent no certificate where one was required
    no_application_protocol,    ///< ALPN: no protocol both sides offer
    truncated,                  ///< the peer closed the connection without close_notify
    protocol_error,             ///< a malformed or unexpected record after the handshake
    missing_server_name,        ///< a client that verifies the server was given no name
};

/// The category of errc, one object for the whole program.
const std::error_category& category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), category()};
}

}  // namespace interop::tls

template <>
struct std::is_error_code_enum<interop::tls::errc> : std::true_type {};
