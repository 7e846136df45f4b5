/// \file
/// interop::service: the shape of a request handler that middleware can wrap, written
/// once against this concept and run on any runtime.
///
/// A service names its `response` type and has two members:
///
/// - `ready()`: an awaitable `io_result<void>` that completes once the service can
///   take a call. This is where back-pressure lives: a concurrency limit waits here
///   for a free slot. Most services are ready at once. Readiness is a hint, not a
///   reservation: with several callers, a call after `ready()` may still wait.
/// - `call(request)`: an awaitable `io_result<response>`. The request is taken by
///   value; errors travel in the io_result, cancellation as operation_canceled, as for
///   every other operation.
///
/// A service may also have `ready_now()`, a `bool` that says without waiting whether a
/// call would be taken at once (load shedding asks it; a service without it counts as
/// always ready). A service object must outlive the calls made on it.
///
/// Middleware comes as layers, callables that take a service and return one that
/// wraps it; `stack(inner, a, b)` is `b(a(inner))`, so the last layer listed sees a
/// call first:
///
///     auto svc = interop::stack(interop::service_fn<reply>(handle),
///                               interop::timeout_layer(2s),            // innermost
///                               interop::concurrency_limit_layer(64),
///                               interop::load_shed_layer());           // outermost
///     if (co_await svc.ready()) {
///         io_result<reply> r = co_await svc.call(request);
///     }
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "interop/detail/await_result.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/io_result.hpp"
#include "interop/sync/semaphore.hpp"
#include "interop/task.hpp"
#include "interop/time.hpp"
#include "interop/timeout.hpp"

namespace interop {

/// `S` serves `Request`: see the file's comment.
template <typename S, typename Request>
concept service = requires(S& s, Request request) {
    typename S::response;
    requires std::same_as<detail::await_result_t<decltype(s.ready())>, io_result<void>>;
    requires std::same_as<detail::await_result_t<decltype(s.call(std::move(request)))>,
                          io_result<typename S::response>>;
};

namespace detail {

// Whether `s` would take a call at once: its ready_now(), or true without one.
template <typename S>
bool service_ready_now(S& s) {
    if constexpr (requires {
                      { s.ready_now() } -> std::convertible_to<bool>;
                  }) {
        return static_cast<bool>(s.ready_now());
    } else {
        return true;
    }
}

}  // namespace detail

/// A service from a function: `fn(request)` returns an awaitable io_result<Response>
/// (a task, say). Always ready.
template <typename Response, typename Fn>
class service_fn_t {
public:
    using response = Response;
    explicit service_fn_t(Fn fn) : fn_(std::move(fn)) {}
    detail::ready_result<void> ready() const noexcept { return {}; }
    template <typename Request>
    auto call(Request request) {
        return fn_(std::move(request));
    }

private:
    Fn fn_;
};

/// `service_fn<Response>(fn)`: see service_fn_t.
template <typename Response, typename Fn>
service_fn_t<Response, std::decay_t<Fn>> service_fn(Fn&& fn) {
    return service_fn_t<Response, std::decay_t<Fn>>(std::forward<Fn>(fn));
}

/// `inner` wrapped by each layer in turn: stack(s, a, b) is b(a(s)).
template <typename S>
S stack(S inner) {
    return inner;
}
template <typename S, typename Layer, typename... Layers>
auto stack(S inner, Layer&& layer, Layers&&... rest) {
    return stack(std::forward<Layer>(layer)(std::move(inner)), std::forward<Layers>(rest)...);
}

// --- timeout -------------------------------------------------------------------------

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

// --- concurrency limit ---------------------------------------------------------------

/// At most `n` calls at once: a call takes a slot first (waiting for one, first come
/// first served) and holds it until the inner call has finished. Copies share the
/// slots, so a service copied per connection is limited as a whole. ready() waits
/// until a slot is free, then for the inner service.
template <typename S>
class concurrency_limit_service {
public:
    using response = typename S::response;
    concurrency_limit_service(S inner, std::size_t n)
        : inner_(std::move(inner)), slots_(std::make_shared<semaphore>(n)) {}
    task<io_result<void>> ready() {
        {
            auto slot = co_await slots_->acquire();  // given back at once: a hint
            if (!slot) co_return slot.error();
        }
        auto inner_ready = inner_.ready();
        co_return co_await std::move(inner_ready);
    }
    bool ready_now() {
        return slots_->try_acquire().has_value() && detail::service_ready_now(inner_);
    }
    template <typename Request>
    task<io_result<response>> call(Request request) {
        auto slot = co_await slots_->acquire();
        if (!slot) co_return slot.error();
        auto inner_call = inner_.call(std::move(request));
        co_return co_await std::move(inner_call);
    }

private:
    S inner_;
    std::shared_ptr<semaphore> slots_;
};

/// The layer of concurrency_limit_service.
struct concurrency_limit_layer {
    explicit concurrency_limit_layer(std::size_t n) : limit(n) {}
    template <typename S>
    concurrency_limit_service<S> operator()(S inner) const {
        return concurrency_limit_service<S>(std::move(inner), limit);
    }
    std::size_t limit;
};

// --- load shedding -------------------------------------------------------------------

/// Refuses a call, with errc::resource_unavailable_try_again and without calling the
/// inner service, when the inner service would not take it at once (its ready_now());
/// so an overloaded server answers "busy" at once instead of queueing. Always ready.
template <typename S>
class load_shed_service {
public:
    using response = typename S::response;
    explicit load_shed_service(S inner) : inner_(std::move(inner)) {}
    detail::ready_result<void> ready() const noexcept { return {}; }
    bool ready_now() const noexcept { return true; }
    template <typename Request>
    task<io_result<response>> call(Request request) {
        if (!detail::service_ready_now(inner_)) co_return std::errc::resource_unavailable_try_again;
        auto inner_call = inner_.call(std::move(request));
        co_return co_await std::move(inner_call);
    }

private:
    S inner_;
};

/// The layer of load_shed_service.
struct load_shed_layer {
    template <typename S>
    load_shed_service<S> operator()(S inner) const {
        return load_shed_service<S>(std::move(inner));
    }
};

}  // namespace interop
