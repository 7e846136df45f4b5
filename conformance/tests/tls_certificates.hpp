// Certificates made in memory for the TLS behaviours: an authority, and leaves it
// issues with the names, validity and purpose a behaviour needs. EC P-256 keys, so
// that making them takes microseconds, not the seconds of RSA keys.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace interop::conformance::testing {

struct pem_pair {
    std::string certificate;
    std::string key;
};

namespace detail {

inline std::string pem_of(X509* cert) {
    BIO* out = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(out, cert);
    char* data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    std::string text(data, static_cast<std::size_t>(size));
    BIO_free(out);
    return text;
}

inline std::string pem_of(EVP_PKEY* key) {
    BIO* out = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    std::string text(data, static_cast<std::size_t>(size));
    BIO_free(out);
    return text;
}

inline void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) throw std::runtime_error("cannot make extension " + value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

inline X509* new_certificate(EVP_PKEY* key, const std::string& common_name, long serial,
                             std::chrono::seconds not_before, std::chrono::seconds not_after) {
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), static_cast<long>(not_before.count()));
    X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(not_after.count()));
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    return cert;
}

}  // namespace detail

// What a leaf certificate is for, and when it is valid (relative to now).
struct leaf_options {
    std::string subject_alt_names = "DNS:localhost,IP:127.0.0.1";  // as openssl.cnf writes them
    std::chrono::seconds not_before = std::chrono::hours(-1);
    std::chrono::seconds not_after = std::chrono::hours(24);
    bool client = false;  // extendedKeyUsage clientAuth rather than serverAuth
};

// A certificate authority with its key, valid from an hour ago for a day.
class authority {
public:
    explicit authority(const std::string& name) : key_(EVP_EC_gen("P-256")) {
        cert_ =
            detail::new_certificate(key_, name, 1, std::chrono::hours(-1), std::chrono::hours(24));
        X509_set_issuer_name(cert_, X509_get_subject_name(cert_));
        detail::add_extension(cert_, cert_, NID_basic_constraints, "critical,CA:TRUE");
        detail::add_extension(cert_, cert_, NID_key_usage, "critical,keyCertSign,cRLSign");
        detail::add_extension(cert_, cert_, NID_subject_key_identifier, "hash");
        X509_sign(cert_, key_, EVP_sha256());
    }
    authority(const authority&) = delete;
    authority& operator=(const authority&) = delete;
    ~authority() {
        X509_free(cert_);
        EVP_PKEY_free(key_);
    }

    std::string pem() const { return detail::pem_of(cert_); }

    pem_pair issue(const std::string& common_name, const leaf_options& o = {}) {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* cert =
            detail::new_certificate(key, common_name, ++serial_, o.not_before, o.not_after);
        X509_set_issuer_name(cert, X509_get_subject_name(cert_));
        detail::add_extension(cert, cert_, NID_basic_constraints, "critical,CA:FALSE");
        detail::add_extension(cert, cert_, NID_key_usage, "critical,digitalSignature");
        detail::add_extension(cert, cert_, NID_ext_key_usage,
                              o.client ? "clientAuth" : "serverAuth");
        if (!o.subject_alt_names.empty())
            detail::add_extension(cert, cert_, NID_subject_alt_name, o.subject_alt_names);
        X509_sign(cert, key_, EVP_sha256());
        pem_pair out{detail::pem_of(cert), detail::pem_of(key)};
        X509_free(cert);
        EVP_PKEY_free(key);
        return out;
    }

private:
    EVP_PKEY* key_;
    X509* cert_ = nullptr;
    long serial_ = 1;
};

}  // namespace interop::conformance::testing
