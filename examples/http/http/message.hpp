// HTTP/1.1 messages as values: header fields, request and response heads. Nothing here
// reads or writes a connection; parse.hpp turns bytes into these, serialize.hpp turns
// them back into bytes.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

struct header_field {
    std::string name;
    std::string value;
};

namespace detail {

// The checks below run on every byte of every head, so they are defined here, where
// they inline into the parser and the writers.

// ---- Classes of bytes ----------------------------------------------------------------

// The classes of bytes the grammar is made of, one bit each, so that checking a byte is
// one table lookup rather than a chain of comparisons.
enum char_class : std::uint8_t {
    tchar = 1,        // a character of a token (RFC 9110 §5.6.2)
    field_byte = 2,   // VCHAR, obs-text, SP or HT: what a field value holds (RFC 9110 §5.5)
    target_byte = 4,  // VCHAR in ASCII: what a request target holds here
    host_byte = 8,    // unreserved or sub-delims: what a reg-name holds (RFC 3986 §3.2.2)
};

constexpr std::array<std::uint8_t, 256> make_char_classes() {
    std::array<std::uint8_t, 256> classes{};
    for (std::size_t byte = 0; byte < classes.size(); ++byte) {
        const bool alnum = (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'z') ||
                           (byte >= 'A' && byte <= 'Z');
        if (alnum) classes[byte] |= tchar | host_byte;
        // DEL and the C0 controls are out, but for HT.
        if (byte == '\t' || (byte >= 0x20 && byte != 0x7f)) classes[byte] |= field_byte;
        if (byte > 0x20 && byte < 0x7f) classes[byte] |= target_byte;
    }
    for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
        classes[static_cast<unsigned char>(c)] |= tchar;
    }
    for (const char c : std::string_view("-._~!$&'()*+,;=")) {
        classes[static_cast<unsigned char>(c)] |= host_byte;
    }
    return classes;
}

inline constexpr std::array<std::uint8_t, 256> char_classes = make_char_classes();

inline std::uint8_t classes_of(char c) { return char_classes[static_cast<unsigned char>(c)]; }

inline bool in_class(char c, char_class cls) { return (classes_of(c) & cls) != 0; }

// Whether the four bytes at `p` are all of class `cls`: checking four at once shares the
// work of a loop between them.
inline bool four_in_class(const char* p, char_class cls) {
    return (classes_of(p[0]) & classes_of(p[1]) & classes_of(p[2]) & classes_of(p[3]) & cls) != 0;
}

// Whether every byte of `text` is of class `cls`. The last four bytes overlap the ones
// before when the size is not a multiple of four, so no byte is left for a loop of its
// own.
inline bool all_in_class(std::string_view text, char_class cls) {
    const std::size_t size = text.size();
    if (size < 4) {
        for (const char c : text) {
            if (!in_class(c, cls)) return false;
        }
        return true;
    }
    for (std::size_t i = 0; i + 4 < size; i += 4) {
        if (!four_in_class(text.data() + i, cls)) return false;
    }
    return four_in_class(text.data() + size - 4, cls);
}

// The scans below take the bytes from `p` to `end` and answer where a run of bytes of
// some kind ends: at the first byte not of that kind, or at `end`.

// A run of bytes of class `cls`.
inline const char* class_run(const char* p, const char* end, char_class cls) {
    for (auto steps = (end - p) / 4; steps > 0 && four_in_class(p, cls); --steps) p += 4;
    while (p != end && in_class(*p, cls)) ++p;
    return p;
}

// ---- Eight bytes at a time -----------------------------------------------------------
//
// Field values and request targets, the long parts of a head, are scanned a 64-bit word
// at a time: a few arithmetic operations on a word set the top bit of each of its bytes
// that ends the run (the "SWAR" tricks of Bit Twiddling Hacks). A borrow can also mark
// a byte after a marked one, never one before it, so the first mark is exact.

constexpr std::uint64_t each_byte = 0x0101010101010101;  // times n: n in every byte
constexpr std::uint64_t top_bits = each_byte * 0x80;

// The eight bytes at `p`, the first in the lowest byte of the word.
inline std::uint64_t load_word(const char* p) {
    std::uint64_t word = 0;
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(&word, p, sizeof word);
    } else {
        for (std::size_t i = 0; i < sizeof word; ++i) {
            word |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
        }
    }
    return word;
}

// Subtracting n from each byte borrows from the top bit of exactly the bytes below n (n
// at most 0x80); those with their top bit clear before are the ones below n. XOR with c
// makes the bytes equal to c 0, the bytes below 1.
inline std::uint64_t bytes_below(std::uint64_t word, std::uint8_t n) {
    return (word - each_byte * n) & ~word & top_bits;
}

inline std::uint64_t bytes_equal(std::uint64_t word, std::uint8_t c) {
    return bytes_below(word ^ (each_byte * c), 1);
}

// The position in its word of the first marked byte, when there is one.
inline std::size_t first_marked(std::uint64_t marks) {
    return static_cast<std::size_t>(std::countr_zero(marks)) / 8;
}

// Marks the controls and DEL: bytes_below(word, 0x20) | bytes_equal(word, 0x7f), with
// the mask they share applied once. HT is one of the controls, and the one a field value
// may hold.
inline std::uint64_t controls_and_del(std::uint64_t word) {
    return ((word - each_byte * 0x20) | ((word ^ (each_byte * 0x7f)) - each_byte)) & ~word &
           top_bits;
}

// A run of field-value bytes: it ends at the CR of a field line, say.
inline const char* field_value_end(const char* p, const char* end) {
    while (end - p >= 8) {
        const std::uint64_t marks = controls_and_del(load_word(p));
        if (marks == 0) {
            p += 8;
            continue;
        }
        p += first_marked(marks);
        if (*p != '\t') return p;
        ++p;
    }
    while (p != end && in_class(*p, field_byte)) ++p;
    return p;
}

// A run of request-target bytes (visible ASCII). A word marks SP and the controls, DEL,
// and the bytes with their top bit set.
inline const char* target_end(const char* p, const char* end) {
    while (end - p >= 8) {
        const std::uint64_t word = load_word(p);
        const std::uint64_t marks =
            bytes_below(word, 0x21) | bytes_equal(word, 0x7f) | (word & top_bits);
        if (marks != 0) return p + first_marked(marks);
        p += 8;
    }
    while (p != end && in_class(*p, target_byte)) ++p;
    return p;
}

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace detail

// Field names compare case-insensitively (RFC 9110 §5.1); so do the tokens of
// Connection, Transfer-Encoding and Expect. A name usually comes in the case it is
// compared with: that is checked first, at once when `b` is a literal.
inline bool equals_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    if (a == b) return true;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i] && detail::lower(a[i]) != detail::lower(b[i])) return false;
    }
    return true;
}

// A token (RFC 9110 §5.6.2): one or more of the characters a method or field name is
// made of. Empty is not a token.
inline bool is_token(std::string_view text) {
    return !text.empty() && detail::all_in_class(text, detail::tchar);
}

// Whether `text` may appear as a field value: visible characters, obs-text, SP and HT,
// and no other control character (so no CR, LF or NUL). Leading and trailing
// whitespace is allowed here; the parser trims it.
inline bool is_field_value(std::string_view text) {
    const std::size_t size = text.size();
    if (size < 8) return detail::all_in_class(text, detail::field_byte);
    // Eight bytes at a time, the last eight overlapping the ones before. A word with a
    // control in it is read again byte by byte: the control may be an HT.
    const auto eight_in_value = [](const char* p) {
        return detail::controls_and_del(detail::load_word(p)) == 0 ||
               detail::all_in_class({p, 8}, detail::field_byte);
    };
    for (std::size_t i = 0; i + 8 < size; i += 8) {
        if (!eight_in_value(text.data() + i)) return false;
    }
    return eight_in_value(text.data() + size - 8);
}

// The fields of a head, in the order they arrived or were added. A name may repeat;
// lookups ignore case.
class headers {
public:
    using const_iterator = std::vector<header_field>::const_iterator;

    headers() = default;
    // Takes `fields` as they are, in their order (the parser builds them whole).
    explicit headers(std::vector<header_field> fields);
    headers(const headers&) = default;
    headers& operator=(const headers&) = default;
    // What is moved from is left empty, and knows it.
    headers(headers&& other) noexcept
        : fields_(std::move(other.fields_)),
          framing_fields_(std::exchange(other.framing_fields_, 0)) {
        other.fields_.clear();
    }
    headers& operator=(headers&& other) noexcept {
        fields_ = std::move(other.fields_);
        other.fields_.clear();
        framing_fields_ = std::exchange(other.framing_fields_, 0);
        return *this;
    }
    ~headers() = default;

    // The value of the first field with this name, or nullptr.
    const std::string* find(std::string_view name) const;
    std::size_t count(std::string_view name) const;
    // Whether a field of this name is present. For the names that decide how a message
    // is framed (Content-Length, Transfer-Encoding, Connection, Expect), answered without
    // a scan: most messages have none of them, and the framing of every one asks.
    bool contains(std::string_view name) const {
        const std::uint8_t bit = framing_bit(name);
        return bit != 0 ? (framing_fields_ & bit) != 0 : find(name) != nullptr;
    }
    // Every value of this name, in order (valid until the headers change).
    std::vector<std::string_view> all(std::string_view name) const;

    void add(std::string name, std::string value);
    // Replaces every field of this name with one: the first keeps its place, the others
    // go. Appends when there was none.
    void set(std::string_view name, std::string value);
    // Removes every field of this name; returns how many there were.
    std::size_t erase(std::string_view name);

    const_iterator begin() const { return fields_.begin(); }
    const_iterator end() const { return fields_.end(); }
    std::size_t size() const { return fields_.size(); }
    bool empty() const { return fields_.empty(); }

private:
    // A bit for each name that decides framing, 0 for any other (inline, so that the
    // bit of a literal is known when compiling).
    static std::uint8_t framing_bit(std::string_view name) {
        switch (name.size()) {
            case 6:
                return equals_ignore_case(name, "Expect") ? 1 : 0;
            case 10:
                return equals_ignore_case(name, "Connection") ? 2 : 0;
            case 14:
                return equals_ignore_case(name, "Content-Length") ? 4 : 0;
            case 17:
                return equals_ignore_case(name, "Transfer-Encoding") ? 8 : 0;
            default:
                return 0;
        }
    }

    std::vector<header_field> fields_;
    // The framing_bit of every field present: kept by every change to fields_.
    std::uint8_t framing_fields_ = 0;
};

// Whether any field of this name lists `token` as an element of its comma-separated
// value, ignoring case and whitespace around elements ("Connection: keep-alive, close").
bool has_token(const headers& fields, std::string_view name, std::string_view token);

struct request_head {
    std::string method;
    std::string target;
    int version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
    headers fields;
};

struct response_head {
    int status = 200;
    std::string reason;
    int version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
    headers fields;
};

// The usual reason phrase of a status code ("Not Found" for 404), or "" for a code
// not in the list.
std::string_view reason_phrase(int status);

}  // namespace http
