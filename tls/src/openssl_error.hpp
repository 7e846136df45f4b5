// OpenSSL reports why a call failed in a queue kept per thread.
#pragma once

#include <string>

namespace interop::tls::detail {

// The text of the earliest error in this thread's OpenSSL error queue ("no reason
// given" when it is empty); empties the queue.
std::string take_openssl_error();

}  // namespace interop::tls::detail
