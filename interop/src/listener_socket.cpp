// What TCP and Unix listeners share: accepts and their back-off, close, release.
#include "interop/detail/listener_socket.hpp"

#include <algorithm>
#include <chrono>

#include "interop/timeout.hpp"

namespace interop::detail {

bool accept_backs_off(const std::error_code& ec) noexcept {
    return ec != std::errc::operation_canceled && ec != std::errc::bad_file_descriptor &&
           ec != std::errc::invalid_argument;
}

task<io_result<stream_socket>> accept_after(duration delay, listener_socket* listener) {
    // Named, not temporaries in the co_await operands: GCC 12 may destroy those twice
    // (docs/compilers.md).
    auto close_of_listener = listener->closed_.wait();
    auto closed = co_await timeout(delay, std::move(close_of_listener));
    if (closed) co_return std::errc::operation_canceled;             // close() ended the back-off
    if (!closed.is(std::errc::timed_out)) co_return closed.error();  // cancelled
    // A close() as the wait timed out found nobody waiting, but left the event set.
    if (listener->closed_.is_set()) co_return std::errc::operation_canceled;
    // The listener is looked at afresh: its runtime may be gone.
    accept_op accept{listener};
    co_return co_await accept;
}

accept_awaitable::accept_awaitable(listener_socket* listener) noexcept
    : listener_(listener), op_(listener) {}

void accept_op::start(runtime_ref) noexcept {
    // Under the listener's lock: a close() on another thread comes wholly before or
    // after the adapter's start. Closed since await_ready: as if the adapter refused.
    const std::error_code closed =
        listener_->with_socket([this](runtime_ref rt, socket_handle s) noexcept {
            op().listener = s;
            rt.vtable->tcp_accept(rt.self, &op());
            return std::error_code{};
        });
    if (closed) op().complete(closed, 0);
}

duration accept_awaitable::backoff_left() const noexcept {
    const duration::rep retry_at = listener_->retry_at_.load(std::memory_order_relaxed);
    if (retry_at == 0) return duration::zero();
    const runtime_ref rt = listener_->rt_;
    return time_point{duration{retry_at}} - rt.vtable->now(rt.self);
}

io_result<stream_socket> accept_awaitable::await_resume() {
    io_result<stream_socket> result = std::errc::operation_canceled;
    if (backing_off_.valid()) {
        // The frame goes here, not in the destructor: this awaitable may be a temporary
        // that GCC 12 destroys twice (docs/compilers.md).
        task<io_result<stream_socket>> done = std::move(backing_off_);
        result = typename task<io_result<stream_socket>>::awaiter{done.handle()}.await_resume();
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

void listener_socket::accept_failed(const std::error_code&, time_point now) noexcept {
    constexpr duration first = std::chrono::milliseconds(5);
    constexpr duration longest = std::chrono::milliseconds(100);
    const duration previous{backoff_.load(std::memory_order_relaxed)};
    const duration next = previous == duration::zero() ? first : std::min(previous * 2, longest);
    backoff_.store(next.count(), std::memory_order_relaxed);
    retry_at_.store((now + next).time_since_epoch().count(), std::memory_order_relaxed);
}

void listener_socket::accept_succeeded() noexcept {
    if (backoff_.load(std::memory_order_relaxed) == 0) return;
    backoff_.store(0, std::memory_order_relaxed);
    retry_at_.store(0, std::memory_order_relaxed);
}

ready_result<void> listener_socket::close() noexcept {
    release();
    return {io_result<void>{}};
}

void listener_socket::release() noexcept {
    // Taken under the lock, closed after it: an accept starting on another thread has
    // either started (and this close cancels it) or finds the listener closed.
    lock_.lock();
    const socket_handle s = socket_.exchange(nullptr, std::memory_order_acq_rel);
    lock_.unlock();
    if (s == nullptr) return;
    if (lifetime_.alive()) close_socket(rt_, s);
    closed_.set();
}

}  // namespace interop::detail
