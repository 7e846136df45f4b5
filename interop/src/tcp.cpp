#include <optional>

#include "interop/net.hpp"

namespace interop {

namespace {
std::optional<endpoint> parse_address(std::string_view address) { return endpoint::parse(address); }
}  // namespace

namespace detail {

io_result<tcp_stream> connect_awaitable::await_resume() noexcept {
    if (precheck_ != std::errc{}) return precheck_;
    finish();
    if (error()) return error();
    return tcp_stream{rt_, op().connected};
}

void bind_awaitable::bind_on(runtime_ref rt) noexcept {
    if (precheck == std::errc{}) {
        result.emplace(tcp_listener::bind(rt, local, backlog));
    } else {
        result.emplace(precheck);
    }
}

io_result<tcp_listener> bind_awaitable::await_resume() noexcept { return std::move(*result); }

}  // namespace detail

detail::connect_awaitable tcp_stream::connect(std::string_view address) noexcept {
    if (auto ep = parse_address(address)) return detail::connect_awaitable{*ep, std::errc{}};
    return detail::connect_awaitable{endpoint{}, std::errc::invalid_argument};
}

io_result<endpoint> tcp_stream::local_endpoint() const noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = runtime().vtable->local_endpoint(runtime().self, handle(), &ep)) return ec;
    return ep;
}

io_result<endpoint> tcp_stream::peer_endpoint() const noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = runtime().vtable->remote_endpoint(runtime().self, handle(), &ep)) return ec;
    return ep;
}

io_result<void> tcp_stream::set_no_delay(bool enabled) noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    return runtime().vtable->set_no_delay(runtime().self, handle(), enabled);
}

detail::bind_awaitable tcp_listener::bind(std::string_view address, int backlog) noexcept {
    if (auto ep = parse_address(address))
        return detail::bind_awaitable{*ep, backlog, std::errc{}, std::nullopt};
    return detail::bind_awaitable{endpoint{}, backlog, std::errc::invalid_argument, std::nullopt};
}

io_result<tcp_listener> tcp_listener::bind(runtime_ref rt, const endpoint& local,
                                           int backlog) noexcept {
    if (backlog <= 0) return std::errc::invalid_argument;
    socket_handle s = nullptr;
    if (auto ec = rt.vtable->tcp_listen(rt.self, local, backlog, &s)) return ec;
    return tcp_listener{rt, s};
}

io_result<endpoint> tcp_listener::local_endpoint() const noexcept {
    endpoint ep;
    const std::error_code ec = with_socket([&ep](runtime_ref rt, socket_handle s) {
        return rt.vtable->local_endpoint(rt.self, s, &ep);
    });
    if (ec) return ec;
    return ep;
}

}  // namespace interop
