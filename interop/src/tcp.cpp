#include <algorithm>
#include <chrono>
#include <optional>

#include "interop/net.hpp"
#include "interop/timeout.hpp"

namespace interop {

namespace {
std::optional<endpoint> parse_address(std::string_view address) { return endpoint::parse(address); }
}  // namespace

namespace detail {

bool accept_backs_off(const std::error_code& ec) noexcept {
    return ec != std::errc::operation_canceled && ec != std::errc::bad_file_descriptor &&
           ec != std::errc::invalid_argument;
}

task<io_result<tcp_stream>> accept_after(duration delay, tcp_listener* listener) {
    // Named, not temporaries in the co_await operands: GCC 12 may destroy those twice
    // (docs/compilers.md).
    auto close_of_listener = listener->closed_.wait();
    auto closed = co_await timeout(delay, std::move(close_of_listener));
    if (closed) co_return std::errc::operation_canceled;             // close() ended the back-off
    if (!closed.is(std::errc::timed_out)) co_return closed.error();  // cancelled
    // A close() as the wait timed out found nobody waiting, but left the event set.
    if (listener->closed_.is_set()) co_return std::errc::operation_canceled;
    // The listener is looked at afresh: its runtime may be gone.
    accept_op accept{listener->rt_, listener->usable() ? listener->socket_ : nullptr};
    co_return co_await accept;
}

accept_awaitable::accept_awaitable(tcp_listener* listener) noexcept
    : listener_(listener), op_(listener->rt_, listener->usable() ? listener->socket_ : nullptr) {}

duration accept_awaitable::backoff_left() const noexcept {
    const duration::rep retry_at = listener_->retry_at_.load(std::memory_order_relaxed);
    if (retry_at == 0) return duration::zero();
    const runtime_ref rt = listener_->rt_;
    return time_point{duration{retry_at}} - rt.vtable->now(rt.self);
}

io_result<tcp_stream> accept_awaitable::await_resume() {
    io_result<tcp_stream> result = std::errc::operation_canceled;
    if (backing_off_.valid()) {
        // The frame goes here, not in the destructor: this awaitable may be a temporary
        // that GCC 12 destroys twice (docs/compilers.md).
        task<io_result<tcp_stream>> done = std::move(backing_off_);
        result = typename task<io_result<tcp_stream>>::awaiter{done.handle()}.await_resume();
    } else {
        result = op_.await_resume();
    }
    if (result) {
        listener_->accept_succeeded();
    } else if (accept_backs_off(result.error())) {
        const runtime_ref rt = listener_->rt_;
        listener_->accept_failed(result.error(), rt.vtable->now(rt.self));
    }
    return result;
}

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
    if (!usable()) return std::errc::bad_file_descriptor;
    return rt_.vtable->shutdown_write(rt_.self, socket_);
}

detail::ready_result<void> tcp_stream::close() noexcept {
    release();
    return {io_result<void>{}};
}

io_result<endpoint> tcp_stream::local_endpoint() const noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = rt_.vtable->local_endpoint(rt_.self, socket_, &ep)) return ec;
    return ep;
}

io_result<endpoint> tcp_stream::peer_endpoint() const noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = rt_.vtable->remote_endpoint(rt_.self, socket_, &ep)) return ec;
    return ep;
}

io_result<void> tcp_stream::set_no_delay(bool enabled) noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    return rt_.vtable->set_no_delay(rt_.self, socket_, enabled);
}

// After the runtime is gone its socket is closed already, and the runtime must not be
// called: forgetting the handle is all there is to do.
void tcp_stream::release() noexcept {
    if (socket_ != nullptr && lifetime_.alive()) rt_.vtable->close(rt_.self, socket_);
    socket_ = nullptr;
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
    if (!usable()) return std::errc::bad_file_descriptor;
    endpoint ep;
    if (auto ec = rt_.vtable->local_endpoint(rt_.self, socket_, &ep)) return ec;
    return ep;
}

void tcp_listener::accept_failed(const std::error_code&, time_point now) noexcept {
    constexpr duration first = std::chrono::milliseconds(5);
    constexpr duration longest = std::chrono::milliseconds(100);
    const duration previous{backoff_.load(std::memory_order_relaxed)};
    const duration next = previous == duration::zero() ? first : std::min(previous * 2, longest);
    backoff_.store(next.count(), std::memory_order_relaxed);
    retry_at_.store((now + next).time_since_epoch().count(), std::memory_order_relaxed);
}

void tcp_listener::accept_succeeded() noexcept {
    if (backoff_.load(std::memory_order_relaxed) == 0) return;
    backoff_.store(0, std::memory_order_relaxed);
    retry_at_.store(0, std::memory_order_relaxed);
}

detail::ready_result<void> tcp_listener::close() noexcept {
    release();
    return {io_result<void>{}};
}

void tcp_listener::release() noexcept {
    if (socket_ == nullptr) return;
    if (lifetime_.alive()) rt_.vtable->close(rt_.self, socket_);
    socket_ = nullptr;
    closed_.set();
}

}  // namespace interop
