/// \file
/// interop::no_error: "no error" as a std::error_code, to copy.
#pragma once

#include <system_error>

namespace interop {

/// "No error", to copy where a result or a completion reports success.
/// `std::error_code{}` calls `std::system_category()`, which libstdc++ does not
/// inline: a call on every completion, which a copy of this one avoids.
inline const std::error_code no_error{};

}  // namespace interop
