#include "endpoints.hpp"

#include <array>
#include <cstdint>

namespace interop::asio_detail {

asio::ip::tcp::endpoint to_asio(const endpoint& e) noexcept {
    const std::array<std::uint8_t, 16>& bytes = e.address.bytes();
    if (e.address.is_v4()) {
        const asio::ip::address_v4::bytes_type v4{bytes[0], bytes[1], bytes[2], bytes[3]};
        return {asio::ip::address_v4(v4), e.port};
    }
    asio::ip::address_v6::bytes_type v6;
    for (std::size_t i = 0; i < v6.size(); ++i) v6[i] = bytes[i];
    return {asio::ip::address_v6(v6, e.address.scope_id()), e.port};
}

endpoint from_asio(const asio::ip::tcp::endpoint& e) noexcept {
    const asio::ip::address address = e.address();
    if (address.is_v4()) {
        const asio::ip::address_v4::bytes_type v4 = address.to_v4().to_bytes();
        return {ip_address::v4({v4[0], v4[1], v4[2], v4[3]}), e.port()};
    }
    const asio::ip::address_v6 v6 = address.to_v6();
    const asio::ip::address_v6::bytes_type b = v6.to_bytes();
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = b[i];
    return {ip_address::v6(bytes, static_cast<std::uint32_t>(v6.scope_id())), e.port()};
}

}  // namespace interop::asio_detail
