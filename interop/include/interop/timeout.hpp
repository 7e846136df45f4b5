/// \file
/// timeout(d, op): op's result if it is ready by the deadline, otherwise
/// errc::timed_out. op is cancelled when the deadline passes and awaited before
/// timeout returns, so nothing outlives the call.
///
/// A result that op produced is never reported as timed out: if op completes with
/// a value (or an error other than operation_canceled) even as the timer fires,
/// that result wins. So a read under a timeout never loses the bytes it read.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <type_traits>
#include <utility>

#include "interop/detail/await_result.hpp"
#include "interop/detail/stream_io.hpp"
#include "interop/detail/timed_operation.hpp"
#include "interop/io_result.hpp"
#include "interop/scope.hpp"
#include "interop/task.hpp"
#include "interop/time.hpp"

namespace interop {

namespace detail {

template <typename A, typename R>
task<void> await_into(A* op, std::optional<R>* out, scope* s) {
    if constexpr (std::is_void_v<await_result_t<A>>) {
        co_await std::move(*op);
        out->emplace();
    } else {
        out->emplace(co_await std::move(*op));
    }
    s->cancel();
}

inline task<void> deadline_timer(duration d, bool* fired, scope* s) {
    auto slept = co_await sleep_for(d);
    if (slept) {
        *fired = true;
        s->cancel();
    }
}

template <typename R>
bool is_canceled(const R& r) {
    if constexpr (requires { r.is(std::errc::operation_canceled); }) {
        return r.is(std::errc::operation_canceled);
    } else {
        return false;
    }
}

// timeout()'s general way: `op` and a sleep race in a scope of their own.
template <typename Awaitable>
auto timeout_in_task(duration limit, Awaitable op)
    -> task<flat_io_result_t<await_result_t<Awaitable>>> {
    using R = await_result_t<Awaitable>;
    using stored = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
    std::optional<stored> value;
    bool fired = false;
    co_await with_scope([&](scope& s) -> task<void> {
        s.spawn(await_into<Awaitable, stored>(&op, &value, &s));
        s.spawn(deadline_timer(limit, &fired, &s));
        co_return;
    });
    if (value && !(fired && is_canceled(*value))) {
        if constexpr (std::is_void_v<R>) {
            co_return io_result<void>{};
        } else {
            co_return std::move(*value);
        }
    }
    co_return std::errc::timed_out;
}

}  // namespace detail

/// `op`'s result if it is ready by the deadline, otherwise errc::timed_out. `op` is
/// cancelled when the deadline passes and awaited before timeout returns.
///
/// Over a stream's read or write, the result is an awaitable of its own rather than a
/// task: the operation waits under its task's deadline timer, which costs about a clock
/// read per operation (docs/internals.md, "A deadline"). Await it, or hand it to anything that
/// takes an awaitable.
template <typename Rep, typename Period, typename Awaitable>
[[gnu::always_inline]] inline auto timeout(std::chrono::duration<Rep, Period> d, Awaitable op) {
    const duration limit = detail::to_runtime_duration(d);
    if constexpr (detail::deadline_capable<Awaitable>) {
        return detail::timed_operation<Awaitable>(std::move(op), limit);
    } else {
        return detail::timeout_in_task(limit, std::move(op));
    }
}

}  // namespace interop
