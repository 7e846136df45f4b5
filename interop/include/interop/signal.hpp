/// \file
/// Process signals, for graceful shutdown and reloads.
///
///     // From the start: a SIGTERM that arrives at any time after this line is seen.
///     auto term = co_await interop::signal_listener::listen(SIGTERM);  //
///     io_result<signal_listener> co_await term->recv(); // io_result<void>
///
///     co_await interop::signal(SIGINT);   // a one-off wait for the next unclaimed raise
///
/// The runtime installs its handler for a signal the first time the signal is listened
/// for or waited for, and keeps it (and keeps listening) for the rest of its life: a
/// signal that arrives while nobody waits completes the next wait at once. Raises that
/// nobody has waited for yet coalesce into one, and they are the runtime's, not a
/// listener's: the listeners of one signal on one runtime share them (the first wait
/// takes a raise), and a one-off wait on a runtime that already listens completes at
/// once for a raise that no wait has claimed yet. Until then the signal has its default
/// action (SIGTERM and SIGINT end the process), so listen early, before the work that a
/// signal should interrupt. A cancelled wait completes with operation_canceled; a
/// number that cannot be caught (SIGKILL, SIGSTOP, out of range) is invalid_argument;
/// a runtime without cap_signals answers operation_not_supported. A listener may outlive
/// its runtime; recv() then fails with bad_file_descriptor.
///
/// Like tokio's signal(kind) stream, Asio's signal_set and libuv's uv_signal_t.
#pragma once

#include <coroutine>
#include <cstdint>
#include <optional>
#include <system_error>

#include "interop/context.hpp"
#include "interop/detail/leaf_operation.hpp"
#include "interop/io_result.hpp"

namespace interop {

class signal_listener;

namespace detail {

class signal_awaitable : public leaf_operation<signal_operation, signal_awaitable> {
public:
    static constexpr const char* operation_name = "interop::signal";

    // On the awaiting task's runtime, or on `bound` when it is set. A number <= 0 is
    // invalid_argument; a precheck error is reported instead of waiting.
    explicit signal_awaitable(int number, runtime_ref bound = {}, std::errc precheck = {}) noexcept
        : number_(number),
          bound_(bound),
          precheck_(precheck != std::errc{} ? precheck
                    : number > 0            ? std::errc{}
                                            : std::errc::invalid_argument) {}
    signal_awaitable(signal_awaitable&& other) noexcept
        : leaf_operation(std::move(other)),
          number_(other.number_),
          bound_(other.bound_),
          precheck_(other.precheck_) {}

    bool await_ready() const noexcept { return precheck_ != std::errc{}; }
    runtime_ref select_runtime(runtime_ref from_context) const noexcept {
        return bound_ ? bound_ : from_context;
    }
    void start(runtime_ref rt) noexcept {
        op().signal_number = number_;
        rt.vtable->signal_wait(rt.self, &op());
    }
    io_result<void> await_resume() noexcept {
        if (precheck_ != std::errc{}) return precheck_;
        finish();
        return io_result<void>{error()};
    }

private:
    int number_;
    runtime_ref bound_;
    std::errc precheck_;
};

struct listen_signal_awaitable;

}  // namespace detail

/// Listens for one signal from the moment it is created; recv() waits for the next
/// raise since then that no other wait on the runtime has taken.
class signal_listener {
public:
    signal_listener() noexcept = default;

    /// On the awaiting task's runtime.
    static detail::listen_signal_awaitable listen(int signal_number) noexcept;
    /// On `rt`, from outside a task: before interop::run starts, say, so that no signal
    /// is missed while the program starts up.
    static io_result<signal_listener> listen(runtime_ref rt, int signal_number) noexcept;

    /// Completes once the signal has been raised; on the listener's runtime. A listener
    /// that listens to nothing (default-constructed, or whose runtime is gone) fails
    /// with bad_file_descriptor.
    [[nodiscard]] detail::signal_awaitable recv() const noexcept {
        const bool usable = rt_ && lifetime_.alive();
        return detail::signal_awaitable{number_, rt_,
                                        usable ? std::errc{} : std::errc::bad_file_descriptor};
    }
    int signal_number() const noexcept { return number_; }

private:
    signal_listener(runtime_ref rt, int number) noexcept;
    runtime_ref rt_{};
    int number_ = 0;
    runtime_lifetime lifetime_;
};

namespace detail {

struct listen_signal_awaitable {
    int number;
    std::optional<io_result<signal_listener>> result;

    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        listen_on(runtime_of(awaiter, "interop::signal_listener::listen"));
        return false;
    }
    io_result<signal_listener> await_resume() noexcept;
    void listen_on(runtime_ref rt) noexcept;
};

}  // namespace detail

inline detail::listen_signal_awaitable signal_listener::listen(int signal_number) noexcept {
    return detail::listen_signal_awaitable{signal_number, std::nullopt};
}

/// Waits for the next raise of `signal_number` on the awaiting task's runtime.
[[nodiscard]] inline detail::signal_awaitable signal(int signal_number) noexcept {
    return detail::signal_awaitable{signal_number};
}

}  // namespace interop
