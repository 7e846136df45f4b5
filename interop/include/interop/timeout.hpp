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

}  // namespace detail

/// `op`'s result if it is ready by the deadline, otherwise errc::timed_out. `op` is
/// cancelled when the deadline passes and awaited before timeout returns.
template <typename Rep, typename Period, typename Awaitable>
auto timeout(std::chrono::duration<Rep, Period> d, Awaitable op)
    -> task<flat_io_result_t<detail::await_result_t<Awaitable>>> {
    using R = detail::await_result_t<Awaitable>;
    using stored = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
    std::optional<stored> value;
    bool fired = false;
    const duration limit = detail::to_runtime_duration(d);
    co_await with_scope([&](scope& s) -> task<void> {
        s.spawn(detail::await_into<Awaitable, stored>(&op, &value, &s));
        s.spawn(detail::deadline_timer(limit, &fired, &s));
        co_return;
    });
    if (value && !(fired && detail::is_canceled(*value))) {
        if constexpr (std::is_void_v<R>) {
            co_return io_result<void>{};
        } else {
            co_return std::move(*value);
        }
    }
    co_return std::errc::timed_out;
}

}  // namespace interop
