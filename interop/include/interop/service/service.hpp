/// \file
/// The service concept, service_fn and stack: see interop/service.hpp.
#pragma once

#include <concepts>
#include <type_traits>
#include <utility>

#include "interop/detail/await_result.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/io_result.hpp"

namespace interop {

/// `S` serves `Request`: see interop/service.hpp.
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

}  // namespace interop
