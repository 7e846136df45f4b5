// The sockets of a runtime, addressed by the socket_handles the core holds.
//
// A handle is not the socket's address but its key in this table: a slot index and a
// generation number packed into the pointer's bits. Removing a socket retires its key,
// so a handle used after close, or a made-up one, finds nothing and is refused with
// bad_file_descriptor instead of reaching freed memory.
#pragma once

#include <cstdint>

#include "interop/runtime/interface.hpp"
#include "interop/runtime/slot_map.hpp"

namespace interop::libuv_detail {

struct tcp_socket;

class socket_table {
public:
    socket_handle add(tcp_socket* socket) { return handle_of(slots_.insert(socket)); }
    tcp_socket* find(socket_handle handle) const noexcept { return slots_.find(key_of(handle)); }
    void remove(socket_handle handle) noexcept { slots_.erase(key_of(handle)); }

    // fn(tcp_socket*) for every socket in the table; fn may remove the one it is given.
    template <typename Fn>
    void for_each(Fn&& fn) {
        slots_.for_each(fn);
    }

private:
    using key = kit::slot_map<tcp_socket>::key;

    // Half of the bits hold the slot index plus one (so no handle is null), the other
    // half the generation.
    static constexpr unsigned half_bits = sizeof(std::uintptr_t) * 4;
    static constexpr std::uintptr_t half_mask = (std::uintptr_t{1} << half_bits) - 1;

    static socket_handle handle_of(key k) noexcept {
        const std::uintptr_t bits = (static_cast<std::uintptr_t>(k.generation) << half_bits) |
                                    ((static_cast<std::uintptr_t>(k.index) + 1) & half_mask);
        return reinterpret_cast<socket_handle>(bits);
    }

    static key key_of(socket_handle handle) noexcept {
        const auto bits = reinterpret_cast<std::uintptr_t>(handle);
        const std::uintptr_t index_plus_one = bits & half_mask;
        // Null (or made up with a zero index): an index past any table.
        if (index_plus_one == 0) return key{~std::uint32_t{0}, 0};
        return key{static_cast<std::uint32_t>(index_plus_one - 1),
                   static_cast<std::uint32_t>(bits >> half_bits)};
    }

    kit::slot_map<tcp_socket> slots_;
};

}  // namespace interop::libuv_detail
