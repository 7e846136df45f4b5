// What a TCP listener and a Unix listener share: a listening socket of a runtime, its
// accepts, and the back-off after an accept fails, with the rules of
// net/tcp_listener.hpp. Each listener type adds how it is bound, its address and the
// type of stream it accepts.
#pragma once

#include <atomic>
#include <coroutine>
#include <utility>

#include "interop/detail/held_socket.hpp"
#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/detail/spin_lock.hpp"
#include "interop/detail/stream_socket.hpp"
#include "interop/sync/event.hpp"
#include "interop/task.hpp"
#include "interop/time.hpp"

namespace interop::detail {

class listener_socket;

// One accept primitive on a listener. The listener's socket is looked at when the
// accept starts, under the listener's lock: a close() on another thread comes wholly
// before (the accept fails with bad_file_descriptor) or wholly after (it cancels the
// pending accept), never in the middle of the adapter's start.
class accept_op : public leaf_operation<accept_operation, accept_op> {
public:
    static constexpr const char* operation_name = "interop accept (tcp_listener, unix_listener)";

    explicit accept_op(listener_socket* from) noexcept;
    accept_op(accept_op&&) noexcept = default;

    // A listener closed before the accept is refused without needing a runtime.
    bool await_ready() noexcept;
    runtime_ref select_runtime(runtime_ref) const noexcept { return rt_; }
    void start(runtime_ref rt) noexcept;
    io_result<stream_socket> await_resume() noexcept {
        if (refused_) return std::errc::bad_file_descriptor;
        finish();
        if (failed()) return error();
        return stream_socket{rt_, op().accepted};
    }

private:
    listener_socket* listener_;
    runtime_ref rt_;
    bool refused_ = false;  // closed when awaited: nothing started
};

// Whether the listener backs off after this accept error: every error that leaves it
// usable (out of descriptors or memory above all, where retrying at once would fail
// the same way), not cancellation, a closed listener or a socket that does not listen.
bool accept_backs_off(const std::error_code& ec) noexcept;

// The accept of a listener that is backing off: waits `delay` (or until the listener
// is closed), then accepts on the listener as it is then.
task<io_result<stream_socket>> accept_after(duration delay, listener_socket* listener);

// An accept: the primitive, or, while the listener backs off after running out of
// descriptors, a short wait and then the primitive. The wait's task lives only
// between await_suspend and await_resume.
class accept_awaitable {
public:
    explicit accept_awaitable(listener_socket* listener) noexcept;
    // Moving is allowed only before the accept is awaited (for timeout(), say).
    accept_awaitable(accept_awaitable&& other) noexcept
        : listener_(other.listener_), op_(std::move(other.op_)) {}
    accept_awaitable(const accept_awaitable&) = delete;
    accept_awaitable& operator=(const accept_awaitable&) = delete;
    accept_awaitable& operator=(accept_awaitable&&) = delete;

    bool await_ready() noexcept { return op_.await_ready(); }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        const duration wait = backoff_left();
        if (wait <= duration::zero()) return op_.await_suspend(awaiter);
        backing_off_ = accept_after(wait, listener_);
        return
            typename task<io_result<stream_socket>>::awaiter{backing_off_.handle()}.await_suspend(
                awaiter);
    }
    io_result<stream_socket> await_resume();

private:
    duration backoff_left() const noexcept;  // zero when the accept may go ahead now

    listener_socket* listener_;
    accept_op op_;
    task<io_result<stream_socket>> backing_off_;  // empty unless backing off
};

// An accept that gives the listener's own type of stream.
template <typename Stream>
class accept_as : public accept_awaitable {
public:
    using accept_awaitable::accept_awaitable;
    io_result<Stream> await_resume() {
        io_result<stream_socket> accepted = accept_awaitable::await_resume();
        if (!accepted) return accepted.error();
        return Stream{std::move(*accepted)};
    }
};

class listener_socket {
public:
    listener_socket() noexcept = default;
    listener_socket(runtime_ref rt, socket_handle s) noexcept
        : rt_(rt), socket_(s), lifetime_(adopt_socket(rt, s)) {}
    listener_socket(listener_socket&& other) noexcept
        : rt_(other.rt_),
          socket_(other.socket_.exchange(nullptr, std::memory_order_relaxed)),
          lifetime_(other.lifetime_),
          retry_at_(other.retry_at_.load(std::memory_order_relaxed)),
          backoff_(other.backoff_.load(std::memory_order_relaxed)) {}
    listener_socket& operator=(listener_socket&& other) noexcept {
        if (this != &other) {
            release();
            rt_ = other.rt_;
            socket_.store(other.socket_.exchange(nullptr, std::memory_order_relaxed),
                          std::memory_order_relaxed);
            lifetime_ = other.lifetime_;
            retry_at_.store(other.retry_at_.load(std::memory_order_relaxed),
                            std::memory_order_relaxed);
            backoff_.store(other.backoff_.load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
            closed_.reset();
        }
        return *this;
    }
    ~listener_socket() { release(); }

    /// Releases the socket; pending accepts complete with operation_canceled.
    [[nodiscard]] ready_result<void> close() noexcept;
    /// Open, on a runtime that still exists.
    bool is_open() const noexcept { return usable(); }

protected:
    bool usable() const noexcept {
        return socket_.load(std::memory_order_acquire) != nullptr && lifetime_.alive();
    }
    runtime_ref runtime() const noexcept { return rt_; }

    // Runs f(runtime, socket) with the socket kept open, even against a close() on
    // another thread; bad_file_descriptor when it is closed.
    template <typename F>
    std::error_code with_socket(F&& f) const noexcept {
        lock_.lock();
        const socket_handle s = usable() ? socket_.load(std::memory_order_relaxed) : nullptr;
        const std::error_code ec =
            s != nullptr ? f(rt_, s) : std::make_error_code(std::errc::bad_file_descriptor);
        lock_.unlock();
        return ec;
    }

private:
    friend class accept_op;
    friend class accept_awaitable;
    friend task<io_result<stream_socket>> accept_after(duration, listener_socket*);

    void release() noexcept;
    // The back-off after running out of descriptors: accepts wait until `retry_at_`
    // (nanoseconds on the runtime clock; 0: no back-off), and the next failure waits
    // twice `backoff_`. Atomic: accepts may run on several threads.
    void accept_failed(const std::error_code& error, time_point now) noexcept;
    void accept_succeeded() noexcept;

    runtime_ref rt_{};
    // Written under lock_, which an accept holds while it starts (see accept_op): a
    // task may close the listener while another accepts on another thread, which is
    // how serve() is stopped.
    std::atomic<socket_handle> socket_{nullptr};
    mutable spin_lock lock_;
    runtime_lifetime lifetime_;  // whether rt_ still exists
    std::atomic<duration::rep> retry_at_{0};
    std::atomic<duration::rep> backoff_{0};
    // Set by close(): wakes the accepts that are waiting out a back-off. A moved-to
    // listener starts with its own, unset: nothing waits on a listener being moved.
    event closed_;
};

inline accept_op::accept_op(listener_socket* from) noexcept : listener_(from), rt_(from->rt_) {}

inline bool accept_op::await_ready() noexcept {
    refused_ = !listener_->usable();
    return refused_;
}

}  // namespace interop::detail
