// Validation of concurrency limits and chunk sizes, done when a combinator is
// built rather than when it first runs, so a bad limit fails at the call that
// wrote it and can never turn into an iterator that waits forever.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace interop::iter::detail {

inline std::size_t checked_limit(std::size_t n, const char* what) {
    if (n == 0) throw std::invalid_argument(std::string(what) + " must be at least 1");
    return n;
}

}  // namespace interop::iter::detail
