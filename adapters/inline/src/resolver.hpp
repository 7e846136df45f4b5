// Host name to endpoints, blocking (getaddrinfo). Runs on a worker thread.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "interop/endpoint.hpp"

namespace interop::inline_detail {

// Fills *out with the addresses of `host` (IPv6 and IPv4, in the order the system
// prefers) and `port`. Failures are reported as portable std::errc values:
//   the name does not exist or has no addresses  -> host_unreachable
//   temporary failure of the name server          -> resource_unavailable_try_again
//   out of memory                                 -> not_enough_memory
//   a malformed request (e.g. an empty host)      -> invalid_argument
//   a system error                                -> that errno
//   anything else                                 -> io_error
std::error_code resolve_host(const std::string& host, std::uint16_t port,
                             std::vector<endpoint>* out) noexcept;

}  // namespace interop::inline_detail
