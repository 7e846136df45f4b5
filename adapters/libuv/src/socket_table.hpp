// The sockets of a runtime (TCP, Unix domain, UDP), addressed by the socket_handles the
// core holds.
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

class loop;

// What every socket in the table is, whichever its protocol (stream_socket.hpp: TCP
// and Unix domain streams, udp_socket.hpp): the tag says which, so a handle of one kind
// given to a call of the other finds nothing.
struct socket_base {
    enum class protocol : std::uint8_t { stream, udp };

    socket_base(loop& owner_loop, protocol p) noexcept : owner(&owner_loop), proto(p) {}

    // This socket as a T (stream_socket, udp_socket), or null if it is the other kind.
    template <typename T>
    T* as() noexcept {
        return proto == T::tag ? static_cast<T*>(this) : nullptr;
    }

    loop* owner;
    protocol proto;
    socket_handle key = nullptr;  // its handle in the socket table; null once closing
};

class socket_table {
public:
    socket_handle add(socket_base* socket) { return handle_of(slots_.insert(socket)); }
    socket_base* find(socket_handle handle) const noexcept { return slots_.find(key_of(handle)); }
    template <typename T>
    T* find_as(socket_handle handle) const noexcept {
        socket_base* socket = find(handle);
        return socket ? socket->as<T>() : nullptr;
    }
    void remove(socket_handle handle) noexcept { slots_.erase(key_of(handle)); }

    // fn(socket_base*) for every socket in the table; fn may remove the one it is given.
    template <typename Fn>
    void for_each(Fn&& fn) {
        slots_.for_each(fn);
    }

private:
    using key = kit::slot_map<socket_base>::key;

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

    kit::slot_map<socket_base> slots_;
};

}  // namespace interop::libuv_detail
