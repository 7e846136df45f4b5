#include "interop/signal.hpp"

namespace interop {

signal_listener::signal_listener(runtime_ref rt, int number) noexcept
    : rt_(rt), number_(number), lifetime_(rt.vtable->core(rt.self)->lifetime()) {}

io_result<signal_listener> signal_listener::listen(runtime_ref rt, int signal_number) noexcept {
    if (!rt) return std::errc::invalid_argument;
    if (signal_number <= 0) return std::errc::invalid_argument;
    if (const std::error_code error = rt.vtable->signal_watch(rt.self, signal_number)) return error;
    return signal_listener{rt, signal_number};
}

namespace detail {

void listen_signal_awaitable::listen_on(runtime_ref rt) noexcept {
    result.emplace(signal_listener::listen(rt, number));
}

io_result<signal_listener> listen_signal_awaitable::await_resume() noexcept {
    return *result;  // trivially copyable
}

}  // namespace detail
}  // namespace interop
