#include "interop/tls/detail/engine.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "context_state.hpp"
#include "interop/tls/errors.hpp"
#include "openssl_error.hpp"

namespace interop::tls::detail {
namespace {

// Ciphertext read from the peer at a time: two full records.
constexpr std::size_t input_capacity = 2 * (16 * 1024 + 256);

engine* owner(BIO* bio) noexcept { return static_cast<engine*>(BIO_get_data(bio)); }

// A BIO that reads from and writes to the engine's buffers: OpenSSL sees an endless
// sink and a source that asks to be retried when it is empty, so its calls return
// "want read" instead of blocking, and no byte is copied more than it would be for a
// socket.
BIO_METHOD* buffers_method() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m =
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "interop::tls stream buffers");
        if (m == nullptr) throw std::bad_alloc();
        BIO_meth_set_write(m, [](BIO* bio, const char* in, int size) {
            return owner(bio)->bio_write(bio, in, size);
        });
        BIO_meth_set_read(
            m, [](BIO* bio, char* out, int size) { return owner(bio)->bio_read(bio, out, size); });
        BIO_meth_set_ctrl(m, [](BIO* bio, int command, long /*num*/, void* /*ptr*/) {
            return owner(bio)->bio_ctrl(command);
        });
        BIO_meth_set_create(m, [](BIO* bio) {
            BIO_set_init(bio, 1);
            return 1;
        });
        return m;
    }();
    return method;
}

bool is_ip_literal(const std::string& name) {
    unsigned char address[16];
    return inet_pton(AF_INET, name.c_str(), address) == 1 ||
           inet_pton(AF_INET6, name.c_str(), address) == 1;
}

std::error_code from_verify_result(long result) {
    switch (result) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
        case X509_V_ERR_EMAIL_MISMATCH:
            return errc::hostname_mismatch;
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CRL_HAS_EXPIRED:
            return errc::certificate_expired;
        case X509_V_ERR_CERT_NOT_YET_VALID:
        case X509_V_ERR_CRL_NOT_YET_VALID:
            return errc::certificate_not_yet_valid;
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return errc::untrusted_certificate;
        default:
            return errc::certificate_verify_failed;
    }
}

}  // namespace

engine::engine(std::shared_ptr<const context::state> settings, std::string_view server_name)
    : settings_(std::move(settings)), input_(input_capacity) {
    ERR_clear_error();
    ssl_ = SSL_new(settings_->ctx);
    if (ssl_ == nullptr) throw std::bad_alloc();
    BIO* bio = BIO_new(buffers_method());
    if (bio == nullptr) {
        SSL_free(ssl_);
        throw std::bad_alloc();
    }
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);  // one BIO for both directions, owned by the SSL
    if (settings_->side == role::server) {
        SSL_set_accept_state(ssl_);
        return;
    }
    SSL_set_connect_state(ssl_);
    const std::string name(server_name);
    if (name.empty()) {
        if (settings_->verify) failed_ = errc::missing_server_name;
        return;
    }
    if (is_ip_literal(name)) {
        // No SNI for addresses (RFC 6066 §3); the certificate must name the address.
        if (settings_->verify) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), name.c_str());
        return;
    }
    // SSL_set_tlsext_host_name, without the macro's C cast.
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(name.c_str()));
    if (settings_->verify) {
        SSL_set_hostflags(ssl_, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        SSL_set1_host(ssl_, name.c_str());
    }
}

engine::~engine() { SSL_free(ssl_); }

outcome engine::handshake() {
    if (failed_) return {progress::failed, 0, failed_};
    ERR_clear_error();
    const int result = SSL_do_handshake(ssl_);
    if (result == 1) return {progress::done, 0, {}};
    return failure(result, true);
}

outcome engine::read(std::span<std::byte> out) {
    if (failed_) return {progress::failed, 0, failed_};
    std::size_t total = 0;
    // SSL_read gives one record at a time: go on while whole records are buffered.
    while (total < out.size()) {
        ERR_clear_error();
        std::size_t got = 0;
        const int result = SSL_read_ex(ssl_, out.data() + total, out.size() - total, &got);
        if (result == 1) {
            total += got;
            continue;
        }
        if (total > 0) {
            // What arrived is delivered now; the reason the next record could not be
            // read shows on the next read, which meets it again.
            ERR_clear_error();
            break;
        }
        return failure(result, false);
    }
    return {progress::done, total, {}};
}

outcome engine::write(std::span<const std::byte> in) {
    if (failed_) return {progress::failed, 0, failed_};
    ERR_clear_error();
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl_, in.data(), in.size(), &written);
    if (result == 1) return {progress::done, written, {}};
    outcome o = failure(result, false);
    if (o.state == progress::want_input) {
        // Renegotiation is off, so a write never waits for the peer after the handshake.
        failed_ = errc::protocol_error;
        return {progress::failed, 0, failed_};
    }
    return o;
}

void engine::close_notify() {
    if (close_notify_sent_ || failed_ || !handshake_done()) return;
    close_notify_sent_ = true;
    ERR_clear_error();
    (void)SSL_shutdown(ssl_);  // 0: sent, the peer's close_notify not awaited
    ERR_clear_error();
}

bool engine::handshake_done() const noexcept { return SSL_is_init_finished(ssl_) == 1; }

std::span<std::byte> engine::input_space() { return input_.prepare(input_.size() + 4096); }

void engine::take_output(std::vector<std::byte>& into) noexcept {
    into.clear();
    std::swap(into, output_);
}

std::string_view engine::alpn_protocol() const noexcept {
    const unsigned char* data = nullptr;
    unsigned int size = 0;
    SSL_get0_alpn_selected(ssl_, &data, &size);
    if (data == nullptr) return {};
    return {reinterpret_cast<const char*>(data), size};
}

std::string_view engine::server_name() const noexcept {
    const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
    return name == nullptr ? std::string_view{} : std::string_view{name};
}

int engine::bio_read(bio_st* bio, char* out, int size) noexcept {
    BIO_clear_retry_flags(bio);
    if (input_.empty()) {
        if (input_ended_) return 0;
        BIO_set_retry_read(bio);
        return -1;
    }
    const std::size_t n = std::min(input_.size(), static_cast<std::size_t>(size));
    std::memcpy(out, input_.data().data(), n);
    input_.consume(n);
    return static_cast<int>(n);
}

int engine::bio_write(bio_st* bio, const char* in, int size) noexcept {
    BIO_clear_retry_flags(bio);
    try {
        const auto* bytes = reinterpret_cast<const std::byte*>(in);
        output_.insert(output_.end(), bytes, bytes + size);
    } catch (const std::bad_alloc&) {
        return -1;  // OpenSSL reports the write as failed
    }
    return size;
}

long engine::bio_ctrl(int command) const noexcept {
    switch (command) {
        case BIO_CTRL_FLUSH:
            return 1;  // the stream flushes the output buffer itself
        case BIO_CTRL_PENDING:
            return static_cast<long>(input_.size());
        case BIO_CTRL_EOF:
            return input_ended_ && input_.empty() ? 1 : 0;
        default:
            return 0;
    }
}

outcome engine::failure(int result, bool handshaking) {
    const int kind = SSL_get_error(ssl_, result);
    if (kind == SSL_ERROR_WANT_READ) return {progress::want_input, 0, {}};
    if (kind == SSL_ERROR_ZERO_RETURN) return {progress::end_of_stream, 0, {}};
    const unsigned long first = ERR_peek_error();
    const int reason = ERR_GET_REASON(first);
    const long verified = SSL_get_verify_result(ssl_);
    error_text_ = detail::take_openssl_error();
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && verified != X509_V_OK) {
        failed_ = from_verify_result(verified);
        error_text_ += std::string(" (") + X509_verify_cert_error_string(verified) + ")";
    } else if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING ||
               (kind == SSL_ERROR_SYSCALL && input_ended_)) {
        failed_ = errc::truncated;
    } else if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
        failed_ = errc::no_peer_certificate;
    } else if (reason == SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL ||
               reason == SSL_R_NO_APPLICATION_PROTOCOL) {
        failed_ = errc::no_application_protocol;
    } else {
        failed_ = handshaking ? errc::handshake_failed : errc::protocol_error;
    }
    return {progress::failed, 0, failed_};
}

}  // namespace interop::tls::detail
