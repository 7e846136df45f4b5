/// \file
/// A listening TCP socket.
///
///     auto listener = co_await interop::tcp_listener::bind(
///         interop::endpoint::parse("127.0.0.1:0").value());
///     auto port = listener->local_endpoint()->port;  // port 0 picked a free one
///     auto conn = co_await listener->accept();       // io_result<tcp_stream>
///
/// A cancelled accept loses no connection: it stays in the backlog for the next one.
/// Like a stream, a listener may outlive its runtime: its socket was closed with the
/// runtime, every use fails with bad_file_descriptor, and destroying it does nothing.
///
/// Out of descriptors or memory, accept reports it: too_many_files_open,
/// too_many_files_open_in_system, no_buffer_space or not_enough_memory, and the
/// connections waiting in the backlog stay there (none is accepted and closed behind
/// the program's back). After a failed accept (for that or any other reason but
/// cancellation, a closed listener or a socket that does not listen, invalid_argument)
/// the next accept on the listener waits a short back-off before it tries again (5 ms,
/// doubling while the errors go on, up to 100 ms; a success resets it), so a loop
/// that retries at once does not spin.
/// interop::serve (serve.hpp) is such a loop.
///
/// close() ends every pending accept on the listener with operation_canceled, one
/// that is waiting out a back-off included. A listener must stay where it is while an
/// accept on it is pending (not moved, not destroyed), as an Asio acceptor must; and,
/// like an Asio acceptor, a listener is not closed on one thread while another thread
/// starts an accept on it (to stop an accept loop from anywhere, cancel it).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <utility>

#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/net/tcp_stream.hpp"
#include "interop/sync/event.hpp"
#include "interop/task.hpp"
#include "interop/time.hpp"

namespace interop {

class tcp_listener;

namespace detail {

// One accept primitive on the listener's runtime.
class accept_op : public leaf_operation<accept_operation, accept_op> {
public:
    static constexpr const char* operation_name = "interop::tcp_listener::accept";

    accept_op(runtime_ref rt, socket_handle s) noexcept : rt_(rt), listener_(s) {}
    accept_op(accept_op&&) noexcept = default;

    bool await_ready() const noexcept { return listener_ == nullptr; }
    runtime_ref select_runtime(runtime_ref) const noexcept { return rt_; }
    void start(runtime_ref rt) noexcept {
        op().listener = listener_;
        rt.vtable->tcp_accept(rt.self, &op());
    }
    io_result<tcp_stream> await_resume() noexcept {
        if (listener_ == nullptr) return std::errc::bad_file_descriptor;
        finish();
        if (error()) return error();
        return tcp_stream{rt_, op().accepted};
    }

private:
    runtime_ref rt_;
    socket_handle listener_;
};

// Whether the listener backs off after this accept error: every error that leaves it
// usable (out of descriptors or memory above all, where retrying at once would fail
// the same way), not cancellation, a closed listener or a socket that does not listen.
bool accept_backs_off(const std::error_code& ec) noexcept;

// The accept of a listener that is backing off: waits `delay` (or until the listener
// is closed), then accepts on the listener as it is then.
task<io_result<tcp_stream>> accept_after(duration delay, tcp_listener* listener);

// What tcp_listener::accept() returns: the accept primitive, or, while the listener
// backs off after running out of descriptors, a short wait and then the primitive.
// The wait's task lives only between await_suspend and await_resume.
class accept_awaitable {
public:
    explicit accept_awaitable(tcp_listener* listener) noexcept;
    // Moving is allowed only before the accept is awaited (for timeout(), say).
    accept_awaitable(accept_awaitable&& other) noexcept
        : listener_(other.listener_), op_(std::move(other.op_)) {}
    accept_awaitable(const accept_awaitable&) = delete;
    accept_awaitable& operator=(const accept_awaitable&) = delete;
    accept_awaitable& operator=(accept_awaitable&&) = delete;

    bool await_ready() const noexcept { return op_.await_ready(); }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        const duration wait = backoff_left();
        if (wait <= duration::zero()) return op_.await_suspend(awaiter);
        backing_off_ = accept_after(wait, listener_);
        return typename task<io_result<tcp_stream>>::awaiter{backing_off_.handle()}.await_suspend(
            awaiter);
    }
    io_result<tcp_stream> await_resume();

private:
    duration backoff_left() const noexcept;  // zero when the accept may go ahead now

    tcp_listener* listener_;
    accept_op op_;
    task<io_result<tcp_stream>> backing_off_;  // empty unless backing off
};

struct bind_awaitable;

}  // namespace detail

/// A listening TCP socket; a cancelled accept loses no connection.
class tcp_listener {
public:
    tcp_listener() noexcept = default;
    tcp_listener(runtime_ref rt, socket_handle s) noexcept
        : rt_(rt),
          socket_(s),
          lifetime_(s ? rt.vtable->core(rt.self)->lifetime() : runtime_lifetime{}) {}
    tcp_listener(tcp_listener&& other) noexcept
        : rt_(other.rt_),
          socket_(std::exchange(other.socket_, nullptr)),
          lifetime_(other.lifetime_),
          retry_at_(other.retry_at_.load(std::memory_order_relaxed)),
          backoff_(other.backoff_.load(std::memory_order_relaxed)) {}
    tcp_listener& operator=(tcp_listener&& other) noexcept {
        if (this != &other) {
            release();
            rt_ = other.rt_;
            socket_ = std::exchange(other.socket_, nullptr);
            lifetime_ = other.lifetime_;
            retry_at_.store(other.retry_at_.load(std::memory_order_relaxed),
                            std::memory_order_relaxed);
            backoff_.store(other.backoff_.load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
            closed_.reset();
        }
        return *this;
    }
    ~tcp_listener() { release(); }

    static constexpr int default_backlog = 1024;

    /// Binds and listens on the awaiting task's runtime (port 0 picks a free port).
    static detail::bind_awaitable bind(const endpoint& local,
                                       int backlog = default_backlog) noexcept;
    /// "127.0.0.1:0", "[::1]:8080"; anything else is invalid_argument.
    static detail::bind_awaitable bind(std::string_view address,
                                       int backlog = default_backlog) noexcept;
    /// Binds directly on a runtime, from outside a task.
    static io_result<tcp_listener> bind(runtime_ref rt, const endpoint& local,
                                        int backlog = default_backlog) noexcept;

    [[nodiscard]] detail::accept_awaitable accept() noexcept {
        return detail::accept_awaitable{this};
    }
    io_result<endpoint> local_endpoint() const noexcept;
    [[nodiscard]] detail::ready_result<void> close() noexcept;
    /// Open, on a runtime that still exists.
    bool is_open() const noexcept { return usable(); }

private:
    friend class detail::accept_awaitable;
    friend task<io_result<tcp_stream>> detail::accept_after(duration, tcp_listener*);

    bool usable() const noexcept { return socket_ != nullptr && lifetime_.alive(); }
    void release() noexcept;
    // The back-off after running out of descriptors: accepts wait until `retry_at_`
    // (nanoseconds on the runtime clock; 0: no back-off), and the next failure waits
    // twice `backoff_`. Atomic: accepts may run on several threads.
    void accept_failed(const std::error_code& error, time_point now) noexcept;
    void accept_succeeded() noexcept;

    runtime_ref rt_{};
    socket_handle socket_ = nullptr;
    runtime_lifetime lifetime_;  // whether rt_ still exists
    std::atomic<duration::rep> retry_at_{0};
    std::atomic<duration::rep> backoff_{0};
    // Set by close(): wakes the accepts that are waiting out a back-off. A moved-to
    // listener starts with its own, unset: nothing waits on a listener being moved.
    event closed_;
};

namespace detail {

struct bind_awaitable {
    endpoint local;
    int backlog;
    std::errc precheck;
    std::optional<io_result<tcp_listener>> result;

    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        bind_on(runtime_of(awaiter, "interop::tcp_listener::bind"));
        return false;
    }
    io_result<tcp_listener> await_resume() noexcept;
    void bind_on(runtime_ref rt) noexcept;
};

}  // namespace detail

inline detail::bind_awaitable tcp_listener::bind(const endpoint& local, int backlog) noexcept {
    return detail::bind_awaitable{local, backlog, std::errc{}, std::nullopt};
}

}  // namespace interop
