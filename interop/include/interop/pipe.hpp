/// \file
/// Anonymous pipes: a reader end that models AsyncRead and AsyncClose, a writer end
/// that models AsyncWrite and AsyncClose, with the rules of a TCP stream's two
/// directions (net/tcp_stream.hpp).
///
///     auto [reader, writer] = (co_await interop::open_pipe()).value();
///     co_await interop::write_all(writer, bytes);
///     (void)co_await writer.close();   // the reader then reads 0: end of stream
///
/// - A read gives at least one byte, or 0 once the writer is closed and the pipe is
///   empty; a cancelled read consumes nothing; an empty buffer is invalid_argument.
/// - A write once the reader is closed fails with broken_pipe. A pipe has no flag
///   that keeps such a write from raising SIGPIPE, so opening a pipe ignores SIGPIPE
///   for the whole process unless the program handles it itself (as every Rust
///   program does from the start).
/// - One read (on the reader) and one write (on the writer) may be pending; a second
///   fails at once with device_or_resource_busy. After close() every use is
///   bad_file_descriptor; closing twice is harmless.
///
/// Needs cap_pipe; on a runtime without it open_pipe is operation_not_supported.
#pragma once

#include <coroutine>
#include <optional>
#include <utility>

#include "interop/context.hpp"
#include "interop/detail/stream_socket.hpp"
#include "interop/io_result.hpp"

namespace interop {

/// The end of a pipe that is read.
class pipe_reader : private detail::stream_socket {
public:
    pipe_reader() noexcept = default;
    /// Takes over the reader handle of a pipe of `rt`.
    pipe_reader(runtime_ref rt, socket_handle s) noexcept : stream_socket(rt, s) {}

    using stream_socket::close;
    using stream_socket::is_open;
    using stream_socket::read;
    using stream_socket::runtime;
};

/// The end of a pipe that is written.
class pipe_writer : private detail::stream_socket {
public:
    pipe_writer() noexcept = default;
    /// Takes over the writer handle of a pipe of `rt`.
    pipe_writer(runtime_ref rt, socket_handle s) noexcept : stream_socket(rt, s) {}

    using stream_socket::close;
    using stream_socket::is_open;
    using stream_socket::runtime;
    using stream_socket::write;
    using stream_socket::write_all;
};

/// Both ends of a new pipe.
struct pipe_ends {
    pipe_reader reader;
    pipe_writer writer;
};

/// A new pipe on `rt`, from outside a task.
io_result<pipe_ends> open_pipe(runtime_ref rt) noexcept;

namespace detail {

struct pipe_open_awaitable {
    std::optional<io_result<pipe_ends>> result;

    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        result.emplace(interop::open_pipe(runtime_of(awaiter, "interop::open_pipe")));
        return false;
    }
    io_result<pipe_ends> await_resume() noexcept { return std::move(*result); }
};

}  // namespace detail

/// A new pipe on the awaiting task's runtime.
inline detail::pipe_open_awaitable open_pipe() noexcept { return {}; }

}  // namespace interop
