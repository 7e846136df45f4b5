#include "interop/tls/errors.hpp"

#include <string>

namespace interop::tls {
namespace {

class tls_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "interop.tls"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::handshake_failed:
                return "TLS handshake failed";
            case errc::certificate_verify_failed:
                return "the peer's certificate could not be verified";
            case errc::hostname_mismatch:
                return "the certificate does not match the host name";
            case errc::certificate_expired:
                return "the certificate has expired";
            case errc::certificate_not_yet_valid:
                return "the certificate is not valid yet";
            case errc::untrusted_certificate:
                return "the certificate is not issued by a trusted authority";
            case errc::no_peer_certificate:
                return "the peer sent no certificate";
            case errc::no_application_protocol:
                return "no application protocol (ALPN) in common";
            case errc::truncated:
                return "the peer closed the connection without close_notify";
            case errc::protocol_error:
                return "TLS protocol error";
            case errc::missing_server_name:
                return "no server name to verify the certificate against";
        }
        return "unknown TLS error";
    }
};

}  // namespace

const std::error_category& category() noexcept {
    static const tls_category instance;
    return instance;
}

}  // namespace interop::tls
