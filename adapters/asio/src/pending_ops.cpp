#include "pending_ops.hpp"

namespace interop::asio_detail {

pending_ops::ticket pending_ops::add(operation* op, tcp_socket* socket) {
    std::lock_guard lock(mutex_);
    std::uint32_t slot = free_head_;
    if (slot != no_slot) {
        free_head_ = records_[slot].next_free;
    } else {
        slot = static_cast<std::uint32_t>(records_.size());
        records_.emplace_back();
    }
    record& r = records_[slot];
    r.op = op;
    r.socket = socket;
    r.cancel_requested = false;
    r.running = false;
    ++r.generation;
    const ticket t = (static_cast<ticket>(r.generation) << 32) | slot;
    ticket_word::set(op, t);
    return t;
}

pending_ops::record* pending_ops::find(const operation* op, ticket t) noexcept {
    const auto slot = static_cast<std::uint32_t>(t & 0xffffffffu);
    const auto generation = static_cast<std::uint32_t>(t >> 32);
    if (slot >= records_.size()) return nullptr;
    record& r = records_[slot];
    if (r.op != op || r.generation != generation) return nullptr;
    return &r;
}

bool pending_ops::claim(operation* op, ticket t) noexcept {
    std::lock_guard lock(mutex_);
    record* r = find(op, t);
    if (r == nullptr) return false;
    r->op = nullptr;
    r->socket = nullptr;
    const auto slot = static_cast<std::uint32_t>(t & 0xffffffffu);
    r->next_free = free_head_;
    free_head_ = slot;
    return true;
}

bool pending_ops::begin_running(operation* op, ticket t) noexcept {
    std::lock_guard lock(mutex_);
    record* r = find(op, t);
    if (r == nullptr || r->cancel_requested) return false;
    r->running = true;
    return true;
}

}  // namespace interop::asio_detail
