/// \file
/// Running blocking work away from the event loop.
///
///     auto digest = co_await interop::spawn_blocking([&] { return sha256_of_file(path); });
///     // io_result<R>: the value, or operation_canceled if the task was cancelled
///     // before the work started. An exception thrown by the work is rethrown here.
///
/// The work runs on the runtime's blocking pool (Asio's thread pool, libuv's
/// uv_queue_work, a worker thread of the inline runtime), never on a loop thread.
/// Once it has started it cannot be interrupted: cancelling then has no effect and
/// the result is delivered as usual.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "interop/detail/awaited_temporary.hpp"
#include "interop/detail/leaf_operation.hpp"
#include "interop/io_result.hpp"

namespace interop {

namespace detail {

template <typename F>
class blocking_awaitable : public leaf_operation<blocking_operation, blocking_awaitable<F>> {
    using base = leaf_operation<blocking_operation, blocking_awaitable<F>>;

public:
    using result_type = std::invoke_result_t<F&>;
    static constexpr const char* operation_name = "interop::spawn_blocking";

    explicit blocking_awaitable(F fn) : fn_(std::move(fn)) {}
    blocking_awaitable(blocking_awaitable&& other) noexcept(std::is_nothrow_move_constructible_v<F>)
        : base(std::move(other)), fn_(std::move(other.fn_)) {}

    void start(runtime_ref rt) noexcept {
        this->op().work = &blocking_awaitable::run_work;
        this->op().context = this;
        rt.vtable->spawn_blocking(rt.self, &this->op());
    }

    io_result<result_type> await_resume() {
        this->finish();
        if (failure_) std::rethrow_exception(failure_);
        if (this->failed()) return this->error();
        if constexpr (std::is_void_v<result_type>) {
            return {};
        } else {
            return std::move(*value_);
        }
    }

private:
    static void run_work(void* self) noexcept {
        auto* me = static_cast<blocking_awaitable*>(self);
        try {
            if constexpr (std::is_void_v<result_type>) {
                std::invoke(me->fn_);
            } else {
                me->value_.emplace(std::invoke(me->fn_));
            }
        } catch (...) {
            me->failure_ = std::current_exception();
        }
    }

    F fn_;
    std::conditional_t<std::is_void_v<result_type>, bool, std::optional<result_type>> value_{};
    std::exception_ptr failure_;
};

}  // namespace detail

/// Runs `fn()` on a thread where blocking is allowed, away from the event loop.
template <typename F>
    requires std::invocable<F&>
[[nodiscard]] detail::blocking_awaitable<std::decay_t<F>> spawn_blocking(F&& fn) {
    detail::reject_awaited_owning_temporary<F>();
    return detail::blocking_awaitable<std::decay_t<F>>{std::forward<F>(fn)};
}

}  // namespace interop
