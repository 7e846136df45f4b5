#include "socket_table.hpp"

#include <unistd.h>

namespace interop::inline_detail {
namespace {

// Half of the handle's bits hold the slot index (plus one, so that no handle is
// null), the other half the generation.
constexpr unsigned index_bits = sizeof(std::uintptr_t) * 4;
constexpr std::uintptr_t index_mask = (std::uintptr_t{1} << index_bits) - 1;

}  // namespace

socket_table::~socket_table() {
    for (const socket_slot& slot : slots_)
        if (slot.fd >= 0) ::close(slot.fd);
}

socket_handle socket_table::make_handle(std::size_t index, std::uint32_t generation) noexcept {
    const std::uintptr_t bits = (static_cast<std::uintptr_t>(generation) << index_bits) |
                                ((static_cast<std::uintptr_t>(index) + 1) & index_mask);
    return reinterpret_cast<socket_handle>(bits);
}

void socket_table::reserve_one() {
    if (!free_.empty()) return;
    // free_ can hold every slot, so remove() never allocates.
    free_.reserve(slots_.size() + 1);
    slots_.emplace_back();
    free_.push_back(slots_.size() - 1);
}

socket_handle socket_table::add(int fd, socket_kind kind) {
    reserve_one();
    const std::size_t index = free_.back();
    free_.pop_back();
    socket_slot& slot = slots_[index];
    slot.fd = fd;
    slot.kind = kind;
    slot.drained = false;
    slot.hung_up = false;
    slot.watched = false;
    slot.handle = make_handle(index, slot.generation);
    return slot.handle;
}

socket_slot* socket_table::find(socket_handle handle) noexcept {
    const std::uintptr_t index_plus_one = reinterpret_cast<std::uintptr_t>(handle) & index_mask;
    if (index_plus_one == 0 || index_plus_one > slots_.size()) return nullptr;
    const std::size_t index = static_cast<std::size_t>(index_plus_one - 1);
    socket_slot& slot = slots_[index];
    if (slot.fd < 0 || handle != make_handle(index, slot.generation)) return nullptr;
    return &slot;
}

socket_slot* socket_table::find(socket_handle handle, socket_kind kind) noexcept {
    socket_slot* slot = find(handle);
    return slot != nullptr && slot->kind == kind ? slot : nullptr;
}

socket_slot* socket_table::find_stream(socket_handle handle) noexcept {
    socket_slot* slot = find(handle);
    const bool stream =
        slot != nullptr && (slot->kind == socket_kind::stream || slot->kind == socket_kind::pipe);
    return stream ? slot : nullptr;
}

void socket_table::remove(socket_handle handle) noexcept {
    socket_slot* slot = find(handle);
    if (!slot) return;
    ::close(slot->fd);
    slot->fd = -1;
    ++slot->generation;
    free_.push_back(
        static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(handle) & index_mask) - 1));
}

}  // namespace interop::inline_detail
