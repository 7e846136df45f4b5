/// \file
/// interop::tls: TLS over any byte stream, on OpenSSL (the optional interop::tls
/// target). See tls/context.hpp and tls/stream.hpp.
#pragma once

#include "interop/tls/context.hpp"
#include "interop/tls/errors.hpp"
#include "interop/tls/stream.hpp"
