// --filter patterns. A pattern with '*' (any run of characters) or '?' (any one
// character) must match the whole behaviour name; a pattern without them matches any
// name that contains it. Letters match regardless of case.
#pragma once

#include <cctype>
#include <string_view>

namespace interop::conformance::runner {

inline bool same_letter(char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
}

// Iterative glob matching with backtracking to the last '*': linear in practice.
inline bool glob_match(std::string_view text, std::string_view pattern) {
    std::size_t t = 0, p = 0;
    std::size_t star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || same_letter(pattern[p], text[t]))) {
            ++t;
            ++p;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

inline bool filter_matches(std::string_view name, std::string_view pattern) {
    if (pattern.find_first_of("*?") != std::string_view::npos) return glob_match(name, pattern);
    for (std::size_t i = 0; i + pattern.size() <= name.size(); ++i) {
        if (glob_match(name.substr(i, pattern.size()), pattern)) return true;
    }
    return false;
}

}  // namespace interop::conformance::runner
