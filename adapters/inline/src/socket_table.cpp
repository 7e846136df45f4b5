#include "socket_table.hpp"

#include <unistd.h>

#include <utility>

namespace interop::inline_detail {

socket_table::~socket_table() {
    for (std::size_t index = 0; index < count_; ++index)
        if (const int fd = at(index).fd; fd >= 0) ::close(fd);
}

void socket_table::reserve_one() {
    if (!free_.empty()) return;
    // free_ can hold every slot, so remove() never allocates.
    free_.reserve(count_ + 1);
    if (count_ == blocks_.size() * block_size) {
        auto block = std::make_unique<socket_slot[]>(block_size);
        blocks_.push_back(std::move(block));
    }
    free_.push_back(count_++);
}

socket_handle socket_table::add(int fd, socket_kind kind) {
    reserve_one();
    const std::size_t index = free_.back();
    free_.pop_back();
    socket_slot& slot = at(index);
    slot.fd = fd;
    slot.kind = kind;
    slot.drained = false;
    slot.hung_up = false;
    slot.watched = false;
    slot.handle = make_handle(index, slot.generation);
    return slot.handle;
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
