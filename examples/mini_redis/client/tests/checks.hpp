// CHECK for the client's test programs against a server: prints each failed check
// with its file and line and counts it; the program exits with the count.
#pragma once

#include <cstdio>

namespace redis_test {

inline int failures = 0;

inline void check(bool ok, const char* what, const char* file, int line) {
    if (ok) return;
    ++failures;
    std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
}

}  // namespace redis_test

#define CHECK(...) \
    ::redis_test::check(static_cast<bool>(__VA_ARGS__), #__VA_ARGS__, __FILE__, __LINE__)
