/// \file
/// The process's standard streams: stdin as an AsyncRead, stdout and stderr as
/// AsyncWrite streams, all three AsyncClose, whether each is a terminal, a pipe, a
/// socket, a regular file or /dev/null.
///
///     auto in = (co_await interop::open_stdin()).value();
///     auto out = (co_await interop::open_stdout()).value();
///     std::array<std::byte, 4096> buffer;
///     while (auto n = co_await in.read(buffer)) {
///         if (*n == 0) break;                          // end of input
///         if (!co_await interop::write_all(out, std::span(buffer).first(*n))) break;
///     }
///
/// - A stream works on a duplicate of descriptor 0, 1 or 2: closing it (or destroying
///   it) never closes the process's own descriptor.
/// - A pipe, a socket or a terminal is served by the runtime's readiness, as a pipe's
///   end (interop/pipe.hpp): a read gives at least one byte, or 0 at end of input; a
///   cancelled read consumes nothing; a write to a pipe whose reader has gone is
///   broken_pipe, never a SIGPIPE death (opening stdout or stderr ignores SIGPIPE
///   unless the program handles it).
///   Non-blocking mode belongs to what the descriptor shares with its duplicates and
///   with other processes (the open file description). A terminal is therefore opened
///   anew by its name, so the shell's terminal stays blocking; a pipe or socket cannot
///   be, so it is non-blocking while one of these streams is open on it, and its
///   flags are restored when the last one closes.
/// - Anything that cannot be polled (a regular file, /dev/null and other devices) is
///   read and written by the runtime's file calls, as an interop::file is. A read there
///   gives the file's bytes, then 0 at its end; a write goes where the descriptor's
///   position is (at the end with >>). A call cancelled before it started is
///   operation_canceled, nothing done; one that has started runs to completion and
///   reports what it read or wrote.
/// - One read and one write may be pending on a stream; a second fails at once with
///   device_or_resource_busy. An empty read buffer is invalid_argument, an empty write
///   writes 0. After close() every use is bad_file_descriptor; closing twice is
///   harmless, and a read still pending then ends with operation_canceled.
///
/// Needs cap_stdio (and cap_files for what cannot be polled); without it, opening is
/// operation_not_supported.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "interop/context.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/detail/stdio_write_all.hpp"
#include "interop/detail/stream_socket.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// Which way a standard stream goes.
enum class stdio_direction : std::uint8_t { read, write };

namespace detail {

struct stdio_state;  // interop/src/stdio.cpp

// What the three standard streams share: a readiness-served end (socket_), or a
// descriptor served by the runtime's file_call (state_), and the state that restores
// the description's flags when the stream is released. Which of the two is fixed when
// it is opened.
class standard_stream {
public:
    standard_stream() noexcept;
    standard_stream(standard_stream&& other) noexcept;
    standard_stream& operator=(standard_stream&& other) noexcept;
    ~standard_stream();

    [[nodiscard]] task<io_result<std::size_t>> read(std::span<std::byte> buffer);
    [[nodiscard]] task<io_result<std::size_t>> read(std::span<char> buffer) {
        return read(std::as_writable_bytes(buffer));
    }
    [[nodiscard]] task<io_result<std::size_t>> write(std::span<const std::byte> buffer);
    [[nodiscard]] task<io_result<std::size_t>> write(std::span<const char> buffer) {
        return write(std::as_bytes(buffer));
    }
    [[nodiscard]] task<io_result<std::size_t>> write(std::string_view text) {
        return write(std::span<const char>(text.data(), text.size()));
    }
    /// Writes every byte of `data`; interop::write_all(stream, data) comes here.
    [[nodiscard]] stdio_write_all write_all(std::span<const std::byte> data);
    [[nodiscard]] ready_result<void> close() noexcept;
    /// Open, on a runtime that still exists.
    bool is_open() const noexcept;
    runtime_ref runtime() const noexcept { return rt_; }
    /// Served by the runtime's readiness (true) or by its file calls (false).
    bool polled() const noexcept;

private:
    friend io_result<standard_stream> open_standard_stream(runtime_ref rt, int fd,
                                                           stdio_direction direction) noexcept;
    task<io_result<std::size_t>> write_each(std::span<const std::byte> data);

    runtime_ref rt_{};
    std::shared_ptr<stdio_state> state_;  // released after socket_ (declared before it)
    stream_socket socket_;
};

/// A stream over descriptor `fd` as a standard stream (what open_stdin and the others do
/// with 0, 1 and 2); the process keeps `fd`.
io_result<standard_stream> open_standard_stream(runtime_ref rt, int fd,
                                                stdio_direction direction) noexcept;

}  // namespace detail

/// The process's standard input.
class stdin_stream : private detail::standard_stream {
public:
    stdin_stream() noexcept = default;
    explicit stdin_stream(detail::standard_stream s) noexcept : standard_stream(std::move(s)) {}

    using standard_stream::close;
    using standard_stream::is_open;
    using standard_stream::polled;
    using standard_stream::read;
    using standard_stream::runtime;
};

/// The process's standard output or standard error.
class stdout_stream : private detail::standard_stream {
public:
    stdout_stream() noexcept = default;
    explicit stdout_stream(detail::standard_stream s) noexcept : standard_stream(std::move(s)) {}

    using standard_stream::close;
    using standard_stream::is_open;
    using standard_stream::polled;
    using standard_stream::runtime;
    using standard_stream::write;
    using standard_stream::write_all;
};

/// Standard error is written as standard output is.
using stderr_stream = stdout_stream;

/// The standard streams on `rt`, from outside a task.
io_result<stdin_stream> open_stdin(runtime_ref rt) noexcept;
io_result<stdout_stream> open_stdout(runtime_ref rt) noexcept;
io_result<stderr_stream> open_stderr(runtime_ref rt) noexcept;

namespace detail {

template <typename Stream, io_result<Stream> (*Open)(runtime_ref) noexcept>
struct stdio_open_awaitable {
    const char* name;
    std::optional<io_result<Stream>> result;

    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        result.emplace(Open(runtime_of(awaiter, name)));
        return false;
    }
    io_result<Stream> await_resume() noexcept { return std::move(*result); }
};

}  // namespace detail

/// Standard input on the awaiting task's runtime.
inline detail::stdio_open_awaitable<stdin_stream, &open_stdin> open_stdin() noexcept {
    return {"interop::open_stdin", std::nullopt};
}
/// Standard output on the awaiting task's runtime.
inline detail::stdio_open_awaitable<stdout_stream, &open_stdout> open_stdout() noexcept {
    return {"interop::open_stdout", std::nullopt};
}
/// Standard error on the awaiting task's runtime.
inline detail::stdio_open_awaitable<stderr_stream, &open_stderr> open_stderr() noexcept {
    return {"interop::open_stderr", std::nullopt};
}

}  // namespace interop
