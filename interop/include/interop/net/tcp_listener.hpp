// A listening TCP socket.
//
//     auto listener = co_await interop::tcp_listener::bind(interop::endpoint::parse("127.0.0.1:0").value());
//     auto port = listener->local_endpoint()->port;   // port 0 picked a free one
//     auto conn = co_await listener->accept();         // io_result<tcp_stream>
//
// A cancelled accept loses no connection: it stays in the backlog for the next one.
#pragma once

#include <string_view>
#include <utility>

#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/net/tcp_stream.hpp"

namespace interop {

class tcp_listener;

namespace detail {

class accept_awaitable : public leaf_operation<accept_operation, accept_awaitable> {
public:
    static constexpr const char* operation_name = "interop::tcp_listener::accept";

    accept_awaitable(runtime_ref rt, socket_handle s) noexcept : rt_(rt), listener_(s) {}
    accept_awaitable(accept_awaitable&&) noexcept = default;

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

struct bind_awaitable;

}  // namespace detail

class tcp_listener {
public:
    tcp_listener() noexcept = default;
    tcp_listener(runtime_ref rt, socket_handle s) noexcept : rt_(rt), socket_(s) {}
    tcp_listener(tcp_listener&& other) noexcept
        : rt_(other.rt_), socket_(std::exchange(other.socket_, nullptr)) {}
    tcp_listener& operator=(tcp_listener&& other) noexcept {
        if (this != &other) {
            release();
            rt_ = other.rt_;
            socket_ = std::exchange(other.socket_, nullptr);
        }
        return *this;
    }
    ~tcp_listener() { release(); }

    static constexpr int default_backlog = 1024;

    // Binds and listens on the awaiting task's runtime (port 0 picks a free port).
    static detail::bind_awaitable bind(const endpoint& local, int backlog = default_backlog) noexcept;
    // "127.0.0.1:0", "[::1]:8080"; anything else is invalid_argument.
    static detail::bind_awaitable bind(std::string_view address,
                                       int backlog = default_backlog) noexcept;
    // Binds directly on a runtime, from outside a task.
    static io_result<tcp_listener> bind(runtime_ref rt, const endpoint& local,
                                        int backlog = default_backlog) noexcept;

    [[nodiscard]] detail::accept_awaitable accept() noexcept { return {rt_, socket_}; }
    io_result<endpoint> local_endpoint() const noexcept;
    [[nodiscard]] detail::ready_result<void> close() noexcept;
    bool is_open() const noexcept { return socket_ != nullptr; }

private:
    void release() noexcept;
    runtime_ref rt_{};
    socket_handle socket_ = nullptr;
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
