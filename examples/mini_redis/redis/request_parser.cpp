#include "redis/request_parser.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include "redis/numbers.hpp"

namespace redis {

namespace {

// Where the next CR is, from `from`, or npos. Redis looks for it with strchr(), which
// stops at a NUL byte: a line with a NUL before its CR has no end yet.
std::size_t find_cr(std::string_view buffer, std::size_t from) noexcept {
    const char* begin = buffer.data() + from;
    const void* found = std::memchr(begin, '\r', buffer.size() - from);
    if (found == nullptr) return std::string_view::npos;
    const auto cr = static_cast<const char*>(found);
    if (std::memchr(begin, '\0', static_cast<std::size_t>(cr - begin)) != nullptr) {
        return std::string_view::npos;
    }
    return static_cast<std::size_t>(cr - buffer.data());
}

// The common case of a count or length line, read in one pass: digits without a
// leading zero (or "0" alone), then CR and one more byte. Anything else (a sign, a
// NUL, too many digits, an error) returns false, and the exact path below decides.
struct fast_line {
    long long value;
    std::size_t cr;
};
bool scan_fast(std::string_view buffer, std::size_t from, fast_line& line) noexcept {
    std::size_t i = from + 1;  // after '*' or '$'
    const std::size_t end = std::min(buffer.size(), from + 1 + 18);
    long long value = 0;
    for (; i < end; ++i) {
        const char c = buffer[i];
        if (c < '0' || c > '9') break;
        value = value * 10 + (c - '0');
    }
    const std::size_t digits = i - from - 1;
    if (digits == 0 || i + 1 >= buffer.size() || buffer[i] != '\r') return false;
    if (buffer[from + 1] == '0' && digits > 1) return false;
    line = {value, i};
    return true;
}

bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

void request_parser::reset() noexcept {
    kind_ = kind::unknown;
    position_ = 0;
    arguments_left_ = -1;
    bulk_length_ = -1;
    spans_.clear();
    arguments_.clear();
}

parse_status request_parser::fail(std::string message) {
    error_ = std::move(message);
    return parse_status::failed;
}

parse_status request_parser::parse(std::string_view buffer) {
    if (kind_ == kind::unknown) {
        if (buffer.empty()) return parse_status::incomplete;
        kind_ = buffer.front() == '*' ? kind::multibulk : kind::inline_command;
    }
    return kind_ == kind::multibulk ? parse_multibulk(buffer) : parse_inline(buffer);
}

parse_status request_parser::parse_multibulk(std::string_view buffer) {
    if (arguments_left_ < 0) {
        fast_line line{};
        if (scan_fast(buffer, 0, line) && line.value > 0 && line.value <= INT_MAX) {
            position_ = line.cr + 2;
            arguments_left_ = line.value;
            spans_.reserve(static_cast<std::size_t>(std::min<long long>(line.value, 1024)));
        }
    }
    if (arguments_left_ < 0) {
        const std::size_t cr = find_cr(buffer, 0);
        if (cr == std::string_view::npos) {
            if (buffer.size() > limits_.max_inline) {
                return fail("Protocol error: too big mbulk count string");
            }
            return parse_status::incomplete;
        }
        if (cr + 1 >= buffer.size()) return parse_status::incomplete;  // the LF is to come
        const auto count = parse_integer(buffer.substr(1, cr - 1));
        if (!count || *count > INT_MAX) return fail("Protocol error: invalid multibulk length");
        position_ = cr + 2;
        if (*count <= 0) return parse_status::complete;  // an empty request
        arguments_left_ = *count;
        // Room for what is likely, not for what is announced.
        spans_.reserve(static_cast<std::size_t>(std::min<long long>(*count, 1024)));
    }
    while (arguments_left_ > 0) {
        fast_line line{};
        if (bulk_length_ < 0 && buffer.size() > position_ && buffer[position_] == '$' &&
            scan_fast(buffer, position_, line) &&
            static_cast<unsigned long long>(line.value) <= limits_.max_bulk) {
            position_ = line.cr + 2;
            bulk_length_ = line.value;
        }
        if (bulk_length_ < 0) {
            const std::size_t cr = find_cr(buffer, position_);
            if (cr == std::string_view::npos) {
                if (buffer.size() - position_ > limits_.max_inline) {
                    return fail("Protocol error: too big bulk count string");
                }
                return parse_status::incomplete;
            }
            if (cr + 1 >= buffer.size()) return parse_status::incomplete;
            if (buffer[position_] != '$') {
                std::string message = "Protocol error: expected '$', got '";
                // Redis blanks line ends in its error texts.
                const char got = buffer[position_];
                message += got == '\r' || got == '\n' ? ' ' : got;
                message += '\'';
                return fail(std::move(message));
            }
            const auto length = parse_integer(buffer.substr(position_ + 1, cr - position_ - 1));
            if (!length || *length < 0 ||
                static_cast<unsigned long long>(*length) > limits_.max_bulk) {
                return fail("Protocol error: invalid bulk length");
            }
            position_ = cr + 2;
            bulk_length_ = *length;
        }
        // The bulk and the two bytes after it, which Redis skips without looking.
        const auto length = static_cast<std::size_t>(bulk_length_);
        if (buffer.size() - position_ < length + 2) return parse_status::incomplete;
        spans_.emplace_back(position_, length);
        position_ += length + 2;
        bulk_length_ = -1;
        --arguments_left_;
    }
    arguments_.clear();
    for (const auto& [offset, length] : spans_) arguments_.push_back(buffer.substr(offset, length));
    return parse_status::complete;
}

parse_status request_parser::parse_inline(std::string_view buffer) {
    // As with find_cr(), a NUL byte before the LF hides it.
    const std::size_t lf = buffer.find('\n');
    if (lf == std::string_view::npos || buffer.substr(0, lf).find('\0') != std::string_view::npos) {
        if (buffer.size() > limits_.max_inline) {
            return fail("Protocol error: too big inline request");
        }
        return parse_status::incomplete;
    }
    std::string_view line = buffer.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!split_inline(line, inline_words_)) {
        return fail("Protocol error: unbalanced quotes in request");
    }
    position_ = lf + 1;
    arguments_.clear();
    for (const std::string& word : inline_words_) arguments_.push_back(word);
    return parse_status::complete;
}

bool split_inline(std::string_view line, std::vector<std::string>& words) {
    words.clear();
    line = line.substr(0, line.find('\0'));
    std::size_t i = 0;
    const std::size_t n = line.size();
    const auto at = [&](std::size_t k) { return k < n ? line[k] : '\0'; };
    for (;;) {
        while (i < n && is_blank(line[i])) ++i;
        if (i >= n) return true;
        std::string word;
        bool in_double = false;
        bool in_single = false;
        bool done = false;
        while (!done) {
            const char c = at(i);
            if (in_double) {
                if (c == '\\' && at(i + 1) == 'x' && hex_value(at(i + 2)) >= 0 &&
                    hex_value(at(i + 3)) >= 0) {
                    word += static_cast<char>(hex_value(at(i + 2)) * 16 + hex_value(at(i + 3)));
                    i += 3;
                } else if (c == '\\' && at(i + 1) != '\0') {
                    ++i;
                    switch (at(i)) {
                        case 'n':
                            word += '\n';
                            break;
                        case 'r':
                            word += '\r';
                            break;
                        case 't':
                            word += '\t';
                            break;
                        case 'b':
                            word += '\b';
                            break;
                        case 'a':
                            word += '\a';
                            break;
                        default:
                            word += at(i);
                            break;
                    }
                } else if (c == '"') {
                    // A closing quote must be followed by a blank or the end.
                    if (at(i + 1) != '\0' && !is_blank(at(i + 1))) return false;
                    done = true;
                } else if (c == '\0') {
                    return false;  // the quotes never close
                } else {
                    word += c;
                }
            } else if (in_single) {
                if (c == '\\' && at(i + 1) == '\'') {
                    ++i;
                    word += '\'';
                } else if (c == '\'') {
                    if (at(i + 1) != '\0' && !is_blank(at(i + 1))) return false;
                    done = true;
                } else if (c == '\0') {
                    return false;
                } else {
                    word += c;
                }
            } else {
                switch (c) {
                    case ' ':
                    case '\n':
                    case '\r':
                    case '\t':
                    case '\0':
                        done = true;
                        break;
                    case '"':
                        in_double = true;
                        break;
                    case '\'':
                        in_single = true;
                        break;
                    default:
                        word += c;
                        break;
                }
            }
            if (at(i) != '\0') ++i;
        }
        words.push_back(std::move(word));
    }
}

}  // namespace redis
