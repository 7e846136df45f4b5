// The Date field's value: the current time in the IMF-fixdate format.
#pragma once

#include <string_view>

namespace http {

/// Now, as "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 section 5.6.7). Formatted once a
/// second per thread and kept: a server answers many requests within a second.
std::string_view http_date();

}  // namespace http
