/// \file
/// An IPv4 or IPv6 address and a port, independent of any socket API.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace interop {

/// An IPv4 or IPv6 address, independent of any socket API.
class ip_address {
public:
    enum class family : std::uint8_t { v4, v6 };

    constexpr ip_address() noexcept = default;

    static ip_address v4(std::array<std::uint8_t, 4> bytes) noexcept;
    static ip_address v6(std::array<std::uint8_t, 16> bytes, std::uint32_t scope_id = 0) noexcept;
    static ip_address loopback_v4() noexcept { return v4({127, 0, 0, 1}); }
    static ip_address loopback_v6() noexcept;
    static ip_address any_v4() noexcept { return v4({0, 0, 0, 0}); }
    static ip_address any_v6() noexcept { return v6({}); }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text ("::1", "fe80::1"). No names.
    static std::optional<ip_address> parse(std::string_view text) noexcept;

    family kind() const noexcept { return family_; }
    bool is_v4() const noexcept { return family_ == family::v4; }
    bool is_v6() const noexcept { return family_ == family::v6; }
    /// For v4 only the first four bytes are meaningful.
    const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
    std::uint32_t scope_id() const noexcept { return scope_id_; }
    std::string to_string() const;

    friend bool operator==(const ip_address&, const ip_address&) = default;

private:
    family family_ = family::v4;
    std::array<std::uint8_t, 16> bytes_{};
    std::uint32_t scope_id_ = 0;
};

/// An IPv4 or IPv6 address and a port, independent of any socket API.
struct endpoint {
    ip_address address;
    std::uint16_t port = 0;

    /// "127.0.0.1:8080" or "[::1]:8080".
    static std::optional<endpoint> parse(std::string_view text) noexcept;
    std::string to_string() const;

    friend bool operator==(const endpoint&, const endpoint&) = default;
};

}  // namespace interop
