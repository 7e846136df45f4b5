// The glob patterns of KEYS: * ? [abc] [^a-z] and \ to escape, as Redis matches them.
#pragma once

#include <string_view>

namespace redis {

/// Whether `text` matches `pattern`: '*' any bytes, '?' one byte, "[...]" one of a
/// set of bytes or ranges ("[^...]" one that is not), '\' takes the next byte as it
/// is. An unclosed '[' set ends at the end of the pattern, as in Redis. Patterns
/// nested too deep (more than 1000 stars in a row of attempts) match nothing.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace redis
