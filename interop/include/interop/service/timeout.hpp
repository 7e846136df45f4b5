/// \file
/// timeout_layer: each call of a service under a time limit.
#pragma once

#include <chrono>
#include <utility>

#include "interop/io_result.hpp"
#include "interop/service/service.hpp"
#include "interop/task.hpp"
#include "interop/time.hpp"
#include "interop/timeout.hpp"

namespace interop {

/// Each call under interop::timeout: errc::timed_out once `limit` has passed, with the
/// inner call cancelled and awaited first. Readiness is the inner service's.
template <typename S>
class timeout_service {
public:
    using response = typename S::response;
    timeout_service(S inner, duration limit) : inner_(std::move(inner)), limit_(limit) {}
    auto ready() { return inner_.ready(); }
    bool ready_now() { return detail::service_ready_now(inner_); }
    template <typename Request>
    task<io_result<response>> call(Request request) {
        // Named, not temporaries: GCC 12 mishandles owning temporaries in a co_await
        // operand (docs/compilers.md).
        auto inner_call = inner_.call(std::move(request));
        task<io_result<response>> limited = timeout(limit_, std::move(inner_call));
        co_return co_await std::move(limited);
    }

private:
    S inner_;
    duration limit_;
};

/// The layer of timeout_service.
struct timeout_layer {
    template <typename Rep, typename Period>
    explicit timeout_layer(std::chrono::duration<Rep, Period> d)
        : limit(detail::to_runtime_duration(d)) {}
    template <typename S>
    timeout_service<S> operator()(S inner) const {
        return timeout_service<S>(std::move(inner), limit);
    }
    duration limit;
};

}  // namespace interop
