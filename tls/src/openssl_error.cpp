#include "openssl_error.hpp"

#include <openssl/err.h>

namespace interop::tls::detail {

std::string take_openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "no reason given";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

}  // namespace interop::tls::detail
