// The TCP primitives: check the runtime's state and the handle, then hand over to
// the socket object (tcp_socket.cpp).
#include <new>

#include "errors.hpp"
#include "runtime.hpp"
#include "tcp_socket.hpp"

namespace interop::asio_detail {

// Null when the socket cannot be made for want of memory: what one operation needs,
// which fails that operation alone (docs/semantics.md).
tcp_socket* runtime::new_socket() noexcept {
    try {
        return new tcp_socket(*this);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

std::error_code runtime::tcp_listen(const endpoint& local, int backlog,
                                    socket_handle* out) noexcept {
    *out = nullptr;
    if (stopped_.load(std::memory_order_acquire)) return canceled();
    tcp_socket* listener = new_socket();
    if (!listener) return out_of_memory();
    if (const std::error_code error = listener->listen(local, backlog)) {
        listener->release();
        return error;
    }
    handle_given(listener);
    *out = listener;
    return {};
}

void runtime::tcp_accept(accept_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    if (!op->listener) return op->complete(bad_handle(), 0);
    tcp_socket::from(op->listener)->accept(op);
}

void runtime::tcp_connect(connect_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    tcp_socket* socket = new_socket();
    if (!socket) return op->complete(out_of_memory(), 0);
    socket->connect(op);
}

void runtime::read(io_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    if (!op->socket) return op->complete(bad_handle(), 0);
    // recv() of zero bytes would report 0, which means end of stream: say 0 without asking.
    if (op->size == 0) return op->complete({}, 0);
    tcp_socket::from(op->socket)->read(op);
}

void runtime::write(io_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    if (!op->socket) return op->complete(bad_handle(), 0);
    if (op->size == 0) return op->complete({}, 0);
    tcp_socket::from(op->socket)->write(op);
}

std::error_code runtime::shutdown_write(socket_handle s) noexcept {
    return s ? tcp_socket::from(s)->shutdown_write() : bad_handle();
}

void runtime::close(socket_handle s) noexcept {
    if (!s) return;
    handle_closed(tcp_socket::from(s));
    tcp_socket::from(s)->close();
}

void runtime::handle_given(tcp_socket* s) noexcept {
    std::lock_guard lock(handles_mutex_);
    s->handle_next = handles_;
    if (handles_ != nullptr) handles_->handle_prev = s;
    handles_ = s;
}

void runtime::handle_closed(tcp_socket* s) noexcept {
    std::lock_guard lock(handles_mutex_);
    if (s->handle_prev != nullptr) {
        s->handle_prev->handle_next = s->handle_next;
    } else if (handles_ == s) {
        handles_ = s->handle_next;
    } else {
        return;  // not listed (closed twice)
    }
    if (s->handle_next != nullptr) s->handle_next->handle_prev = s->handle_prev;
    s->handle_prev = s->handle_next = nullptr;
}

std::error_code runtime::local_endpoint(socket_handle s, endpoint* out) noexcept {
    return s ? tcp_socket::from(s)->local_endpoint(out) : bad_handle();
}

std::error_code runtime::remote_endpoint(socket_handle s, endpoint* out) noexcept {
    return s ? tcp_socket::from(s)->remote_endpoint(out) : bad_handle();
}

int runtime::native_handle(socket_handle s) noexcept {
    return s ? tcp_socket::from(s)->descriptor() : -1;
}

std::error_code runtime::set_no_delay(socket_handle s, bool enabled) noexcept {
    return s ? tcp_socket::from(s)->set_no_delay(enabled) : bad_handle();
}

}  // namespace interop::asio_detail
