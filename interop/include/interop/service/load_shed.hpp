/// \file
/// load_shed_layer: refuse at once what a service would make wait.
#pragma once

#include <system_error>
#include <utility>

#include "interop/detail/ready_result.hpp"
#include "interop/io_result.hpp"
#include "interop/service/service.hpp"
#include "interop/task.hpp"

namespace interop {

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
