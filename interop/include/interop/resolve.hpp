/// \file
/// Name resolution on the awaiting task's runtime.
///
///     auto addresses = co_await interop::resolve("localhost", 8080);   //
///     io_result<std::vector<endpoint>>
///
/// Errors are the same on every runtime: a name that does not exist is
/// host_unreachable, a temporary failure of the name service is
/// resource_unavailable_try_again, an empty host is invalid_argument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "interop/detail/leaf_operation.hpp"
#include "interop/io_result.hpp"

namespace interop {

namespace detail {

class resolve_awaitable : public leaf_operation<resolve_operation, resolve_awaitable> {
public:
    static constexpr const char* operation_name = "interop::resolve";

    resolve_awaitable(std::string_view name, std::uint16_t service_port)
        : host_(name), port_(service_port), invalid_(name.empty()) {}
    resolve_awaitable(resolve_awaitable&& other) noexcept
        : leaf_operation(std::move(other)),
          host_(std::move(other.host_)),
          port_(other.port_),
          invalid_(other.invalid_) {}

    bool await_ready() const noexcept { return invalid_; }
    void start(runtime_ref rt) noexcept {
        op().host = std::move(host_);
        op().port = port_;
        rt.vtable->resolve(rt.self, &op());
    }
    io_result<std::vector<endpoint>> await_resume() noexcept {
        if (invalid_) return std::errc::invalid_argument;
        finish();
        if (failed()) return error();
        return std::move(op().results);
    }

private:
    std::string host_;
    std::uint16_t port_;
    bool invalid_;
};

}  // namespace detail

/// Resolves `host` on the awaiting task's runtime: the endpoints for `host` and `port`.
[[nodiscard]] inline detail::resolve_awaitable resolve(std::string_view host, std::uint16_t port) {
    return detail::resolve_awaitable{host, port};
}

}  // namespace interop
