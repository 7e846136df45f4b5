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

io_result<void> tcp_stream::shutdown_write() noexcept {
    if (socket_ == nullptr) return std::errc::bad_file_descriptor;
    return rt_.vtable->shutdown_write(rt_.self, socket_);
}

detail::ready_result<void> tcp_stream::close() noexcept {
    release();
    return {io_result<void>{}};
}

io_result<endpoint> tcp_stream::local_endpoint() const noexcept {
    if (socket_ == nullptr) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = rt_.vtable->local_endpoint(rt_.self, socket_, &ep)) return ec;
    return ep;
}

io_result<endpoint> tcp_stream::peer_endpoint() const noexcept {
    if (socket_ == nullptr) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = rt_.vtable->remote_endpoint(rt_.self, socket_, &ep)) return ec;
    return ep;
}

io_result<void> tcp_stream::set_no_delay(bool enabled) noexcept {
    if (socket_ == nullptr) return std::errc::bad_file_descriptor;
    return rt_.vtable->set_no_delay(rt_.self, socket_, enabled);
}

void tcp_stream::release() noexcept {
    if (socket_ != nullptr) rt_.vtable->close(rt_.self, std::exchange(socket_, nullptr));
}

detail::bind_awaitable tcp_listener::bind(std::string_view address, int backlog) noexcept {
    if (auto ep = parse_address(address)) return detail::bind_awaitable{*ep, backlog, std::errc{}, std::nullopt};
    return detail::bind_awaitable{endpoint{}, backlog, std::errc::invalid_argument, std::nullopt};
}

io_result<tcp_listener> tcp_listener::bind(runtime_ref rt, const endpoint& local, int backlog) noexcept {
    if (backlog <= 0) return std::errc::invalid_argument;
    socket_handle s = nullptr;
    if (auto ec = rt.vtable->tcp_listen(rt.self, local, backlog, &s)) return ec;
    return tcp_listener{rt, s};
}

io_result<endpoint> tcp_listener::local_endpoint() const noexcept {
    if (socket_ == nullptr) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = rt_.vtable->local_endpoint(rt_.self, socket_, &ep)) return ec;
    return ep;
}

detail::ready_result<void> tcp_listener::close() noexcept {
    release();
    return {io_result<void>{}};
}

void tcp_listener::release() noexcept {
    if (socket_ != nullptr) rt_.vtable->close(rt_.self, std::exchange(socket_, nullptr));
}

}  // namespace interop
