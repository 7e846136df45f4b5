#include "address.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include <netinet/in.h>

namespace interop::libuv_detail {

// Built in properly typed structs and copied, never cast in place: sockaddr_storage
// and the structs for each family are different types to the compiler.
socket_address to_sockaddr(const endpoint& e) noexcept {
    socket_address out;
    if (e.address.is_v4()) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(e.port);
        std::memcpy(&sin.sin_addr, e.address.bytes().data(), 4);
        std::memcpy(&out.storage, &sin, sizeof sin);
    } else {
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(e.port);
        std::memcpy(&sin6.sin6_addr, e.address.bytes().data(), 16);
        sin6.sin6_scope_id = e.address.scope_id();
        std::memcpy(&out.storage, &sin6, sizeof sin6);
    }
    return out;
}

bool from_sockaddr(const void* address, std::size_t length, endpoint* out) noexcept {
    sockaddr_storage storage{};
    if (length > sizeof storage) return false;
    std::memcpy(&storage, address, length);

    if (storage.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
        sockaddr_in sin;
        std::memcpy(&sin, &storage, sizeof sin);
        std::array<std::uint8_t, 4> bytes;
        std::memcpy(bytes.data(), &sin.sin_addr, bytes.size());
        *out = endpoint{ip_address::v4(bytes), ntohs(sin.sin_port)};
        return true;
    }
    if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, &storage, sizeof sin6);
        std::array<std::uint8_t, 16> bytes;
        std::memcpy(bytes.data(), &sin6.sin6_addr, bytes.size());
        *out = endpoint{ip_address::v6(bytes, sin6.sin6_scope_id), ntohs(sin6.sin6_port)};
        return true;
    }
    return false;
}

}  // namespace interop::libuv_detail
