#include "redis/glob.hpp"

#include <cstddef>
#include <utility>

namespace redis {

namespace {

// Bytes compare as signed chars, as in Redis, which matters for ranges over bytes
// above 127.
int byte_value(char c) noexcept { return static_cast<signed char>(c); }

class matcher {
public:
    matcher(std::string_view pattern, std::string_view text) : p_(pattern), s_(text) {}

    bool match(std::size_t pi, std::size_t si, int depth) {
        if (depth > 1000) return false;
        const std::size_t pn = p_.size();
        const std::size_t sn = s_.size();
        while (pi < pn && si < sn) {
            switch (p_[pi]) {
                case '*': {
                    while (pi + 1 < pn && p_[pi + 1] == '*') ++pi;
                    if (pi + 1 == pn) return true;
                    for (; si < sn; ++si) {
                        if (match(pi + 1, si, depth + 1)) return true;
                        // A later star failed to match the rest of the text: a longer
                        // stretch for this star cannot help either.
                        if (given_up_) return false;
                    }
                    given_up_ = true;
                    return false;
                }
                case '?':
                    ++si;
                    break;
                case '[': {
                    ++pi;
                    const bool negated = pi < pn && p_[pi] == '^';
                    if (negated) ++pi;
                    bool matched = false;
                    for (;;) {
                        if (pi < pn && p_[pi] == '\\' && pn - pi >= 2) {
                            ++pi;
                            if (p_[pi] == s_[si]) matched = true;
                        } else if (pi < pn && p_[pi] == ']') {
                            break;
                        } else if (pi >= pn) {
                            --pi;  // an unclosed set: the step below ends the pattern
                            break;
                        } else if (pn - pi >= 3 && p_[pi + 1] == '-') {
                            int low = byte_value(p_[pi]);
                            int high = byte_value(p_[pi + 2]);
                            if (low > high) std::swap(low, high);
                            const int c = byte_value(s_[si]);
                            if (c >= low && c <= high) matched = true;
                            pi += 2;
                        } else if (p_[pi] == s_[si]) {
                            matched = true;
                        }
                        ++pi;
                    }
                    if (negated) matched = !matched;
                    if (!matched) return false;
                    ++si;
                    break;
                }
                case '\\':
                    if (pn - pi >= 2) ++pi;
                    [[fallthrough]];
                default:
                    if (p_[pi] != s_[si]) return false;
                    ++si;
                    break;
            }
            ++pi;
            if (si == sn) {
                while (pi < pn && p_[pi] == '*') ++pi;
                break;
            }
        }
        return pi == pn && si == sn;
    }

private:
    std::string_view p_;
    std::string_view s_;
    bool given_up_ = false;
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
    if (pattern == "*") return true;
    matcher m(pattern, text);
    return m.match(0, 0, 0);
}

}  // namespace redis
