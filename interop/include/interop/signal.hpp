// Waiting for a process signal, for graceful shutdown.
//
//     co_await interop::signal(SIGINT);   // io_result<void>
//
// The runtime installs its handler the first time a signal is waited for and keeps
// it for the rest of the process; a signal that arrives while nobody waits
// completes the next wait. A cancelled wait completes with operation_canceled.
#pragma once

#include "interop/detail/leaf_operation.hpp"
#include "interop/io_result.hpp"

namespace interop {

namespace detail {

class signal_awaitable : public leaf_operation<signal_operation, signal_awaitable> {
public:
    static constexpr const char* operation_name = "interop::signal";

    explicit signal_awaitable(int number) noexcept : number_(number) {}
    signal_awaitable(signal_awaitable&& other) noexcept
        : leaf_operation(std::move(other)), number_(other.number_) {}

    bool await_ready() const noexcept { return number_ <= 0; }
    void start(runtime_ref rt) noexcept {
        op().signal_number = number_;
        rt.vtable->signal_wait(rt.self, &op());
    }
    io_result<void> await_resume() noexcept {
        if (number_ <= 0) return std::errc::invalid_argument;
        finish();
        return io_result<void>{error()};
    }

private:
    int number_;
};

}  // namespace detail

[[nodiscard]] inline detail::signal_awaitable signal(int signal_number) noexcept {
    return detail::signal_awaitable{signal_number};
}

}  // namespace interop
