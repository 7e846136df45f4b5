#include "pending_ops.hpp"

namespace interop::asio_detail {

pending_ops::ticket pending_ops::add(operation* op, tcp_socket* socket) {
    std::lock_guard lock(mutex_);
    const ticket id = next_++;
    // An operation object can be pending only once at a time, so a record left under
    // this address would be a bug in the caller: replace it rather than keep it.
    records_.insert_or_assign(op, record{id, socket, false, false});
    return id;
}

bool pending_ops::claim(operation* op, ticket t) noexcept {
    std::lock_guard lock(mutex_);
    const auto it = records_.find(op);
    if (it == records_.end() || it->second.id != t) return false;
    records_.erase(it);
    return true;
}

bool pending_ops::begin_running(operation* op, ticket t) noexcept {
    std::lock_guard lock(mutex_);
    const auto it = records_.find(op);
    if (it == records_.end() || it->second.id != t || it->second.cancel_requested) return false;
    it->second.running = true;
    return true;
}

}  // namespace interop::asio_detail
