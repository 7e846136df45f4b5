// Text forms of ip_address and endpoint, in plain C++ so that the core needs no
// socket headers. Parsing is strict: it accepts what RFC 4291 (IPv6) and the usual
// dotted-quad form (IPv4) allow and nothing that a socket API would read differently.
#include "interop/endpoint.hpp"

#include <cstddef>
#include <limits>

namespace interop {
namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// A decimal number without sign, no larger than `max`. Leading zeros are refused
// ("010") because inet_aton and friends read them as octal: accepting them here
// would give the same text two meanings.
std::optional<std::uint32_t> parse_decimal(std::string_view text, std::uint32_t max) noexcept {
    if (text.empty() || text.size() > 10) return std::nullopt;
    if (text.size() > 1 && text.front() == '0') return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        if (!is_digit(c)) return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > max) return std::nullopt;
    return static_cast<std::uint32_t>(value);
}

std::optional<std::array<std::uint8_t, 4>> parse_dotted_quad(std::string_view text) noexcept {
    std::array<std::uint8_t, 4> bytes{};
    for (std::size_t i = 0; i < 4; ++i) {
        const std::size_t dot = text.find('.');
        const bool last = i == 3;
        if (last != (dot == std::string_view::npos)) return std::nullopt;  // exactly three dots
        const auto part = parse_decimal(text.substr(0, dot), 255);
        if (!part) return std::nullopt;
        bytes[i] = static_cast<std::uint8_t>(*part);
        if (!last) text.remove_prefix(dot + 1);
    }
    return bytes;
}

using v6_groups = std::array<std::uint16_t, 8>;

// Parses one side of a "::" (or a whole address without one): colon-separated groups
// of one to four hex digits. When `allow_v4_tail` is set, the last piece may be a
// dotted quad, which stands for the final two groups ("::ffff:192.0.2.1").
bool parse_groups(std::string_view text, bool allow_v4_tail, v6_groups& out,
                  std::size_t& count) noexcept {
    count = 0;
    if (text.empty()) return true;
    for (;;) {
        const std::size_t colon = text.find(':');
        const std::string_view piece = text.substr(0, colon);
        const bool last = colon == std::string_view::npos;
        if (last && allow_v4_tail && piece.find('.') != std::string_view::npos) {
            const auto quad = parse_dotted_quad(piece);
            if (!quad || count > 6) return false;
            out[count++] = static_cast<std::uint16_t>(((*quad)[0] << 8) | (*quad)[1]);
            out[count++] = static_cast<std::uint16_t>(((*quad)[2] << 8) | (*quad)[3]);
            return true;
        }
        if (piece.empty() || piece.size() > 4 || count == 8) return false;
        unsigned value = 0;
        for (char c : piece) {
            const int digit = hex_value(c);
            if (digit < 0) return false;
            value = value * 16 + static_cast<unsigned>(digit);
        }
        out[count++] = static_cast<std::uint16_t>(value);
        if (last) return true;
        text.remove_prefix(colon + 1);
    }
}

std::optional<ip_address> parse_v6(std::string_view text) noexcept {
    // An optional zone ("fe80::1%3"). Only numeric zones: mapping interface names to
    // indexes needs the operating system, and the core does not talk to it.
    std::uint32_t scope_id = 0;
    if (const std::size_t percent = text.find('%'); percent != std::string_view::npos) {
        const auto zone =
            parse_decimal(text.substr(percent + 1), std::numeric_limits<std::uint32_t>::max());
        if (!zone) return std::nullopt;
        scope_id = *zone;
        text = text.substr(0, percent);
    }

    v6_groups groups{};
    const std::size_t gap = text.find("::");
    if (gap == std::string_view::npos) {
        std::size_t count = 0;
        if (!parse_groups(text, true, groups, count) || count != 8) return std::nullopt;
    } else {
        const std::string_view tail_text = text.substr(gap + 2);
        if (tail_text.find("::") != std::string_view::npos)
            return std::nullopt;  // one "::" at most
        v6_groups head{}, tail{};
        std::size_t head_count = 0, tail_count = 0;
        if (!parse_groups(text.substr(0, gap), false, head, head_count)) return std::nullopt;
        if (!parse_groups(tail_text, true, tail, tail_count)) return std::nullopt;
        if (head_count + tail_count > 7) return std::nullopt;  // "::" stands for at least one group
        for (std::size_t i = 0; i < head_count; ++i) groups[i] = head[i];
        for (std::size_t i = 0; i < tail_count; ++i) groups[8 - tail_count + i] = tail[i];
    }

    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < 8; ++i) {
        bytes[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
        bytes[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
    }
    return ip_address::v6(bytes, scope_id);
}

void append_dotted_quad(std::string& out, const std::uint8_t* bytes) {
    for (std::size_t i = 0; i < 4; ++i) {
        if (i != 0) out += '.';
        out += std::to_string(bytes[i]);
    }
}

void append_hex(std::string& out, std::uint16_t value) {
    constexpr char digits[] = "0123456789abcdef";
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
        const unsigned digit = (static_cast<unsigned>(value) >> shift) & 0xf;
        if (digit != 0 || started || shift == 0) {
            out += digits[digit];
            started = true;
        }
    }
}

// RFC 5952: lower-case hex without leading zeros; the longest run of two or more zero
// groups (the first one on a tie) becomes "::"; IPv4-mapped addresses keep the dotted tail.
std::string v6_to_string(const std::array<std::uint8_t, 16>& bytes, std::uint32_t scope_id) {
    std::string out;
    bool mapped_v4 = bytes[10] == 0xff && bytes[11] == 0xff;
    for (std::size_t i = 0; i < 10; ++i) mapped_v4 = mapped_v4 && bytes[i] == 0;

    if (mapped_v4) {
        out = "::ffff:";
        append_dotted_quad(out, bytes.data() + 12);
    } else {
        v6_groups groups{};
        for (std::size_t i = 0; i < 8; ++i)
            groups[i] = static_cast<std::uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);

        std::size_t best_start = 8, best_length = 0;
        for (std::size_t i = 0; i < 8;) {
            if (groups[i] != 0) {
                ++i;
                continue;
            }
            std::size_t end = i;
            while (end < 8 && groups[end] == 0) ++end;
            if (end - i > best_length) {
                best_start = i;
                best_length = end - i;
            }
            i = end;
        }
        if (best_length < 2) best_start = 8;  // a lone zero group is written as "0"

        for (std::size_t i = 0; i < 8;) {
            if (i == best_start) {
                out += "::";
                i += best_length;
                continue;
            }
            if (!out.empty() && out.back() != ':') out += ':';
            append_hex(out, groups[i]);
            ++i;
        }
    }

    if (scope_id != 0) {
        out += '%';
        out += std::to_string(scope_id);
    }
    return out;
}

}  // namespace

ip_address ip_address::v4(std::array<std::uint8_t, 4> bytes) noexcept {
    ip_address address;
    address.family_ = family::v4;
    for (std::size_t i = 0; i < 4; ++i) address.bytes_[i] = bytes[i];
    return address;
}

ip_address ip_address::v6(std::array<std::uint8_t, 16> bytes, std::uint32_t scope_id) noexcept {
    ip_address address;
    address.family_ = family::v6;
    address.bytes_ = bytes;
    address.scope_id_ = scope_id;
    return address;
}

ip_address ip_address::loopback_v6() noexcept {
    std::array<std::uint8_t, 16> bytes{};
    bytes[15] = 1;
    return v6(bytes);
}

std::optional<ip_address> ip_address::parse(std::string_view text) noexcept {
    if (text.find(':') != std::string_view::npos) return parse_v6(text);
    if (const auto quad = parse_dotted_quad(text)) return v4(*quad);
    return std::nullopt;
}

std::string ip_address::to_string() const {
    if (is_v6()) return v6_to_string(bytes_, scope_id_);
    std::string out;
    append_dotted_quad(out, bytes_.data());
    return out;
}

std::optional<endpoint> endpoint::parse(std::string_view text) noexcept {
    std::string_view address_text;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        // "[v6]:port": the brackets keep the port's colon apart from the address's.
        const std::size_t close = text.find("]:");
        if (close == std::string_view::npos) return std::nullopt;
        address_text = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else {
        const std::size_t colon = text.find(':');
        if (colon == std::string_view::npos) return std::nullopt;
        address_text = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }

    const auto address = ip_address::parse(address_text);
    if (!address) return std::nullopt;
    const bool bracketed = text.front() == '[';
    if (address->is_v6() != bracketed)
        return std::nullopt;  // "::1:80" is ambiguous; "[1.2.3.4]" is not a form
    const auto port = parse_decimal(port_text, 65535);
    if (!port) return std::nullopt;
    return endpoint{*address, static_cast<std::uint16_t>(*port)};
}

std::string endpoint::to_string() const {
    std::string out;
    if (address.is_v6()) {
        out = '[';
        out += address.to_string();
        out += ']';
    } else {
        out = address.to_string();
    }
    out += ':';
    out += std::to_string(port);
    return out;
}

}  // namespace interop
