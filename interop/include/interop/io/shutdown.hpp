/// \file
/// AsyncShutdown: s.shutdown_write() ends the writing direction (the peer reads end
/// of stream) while reading goes on. It may answer at once with io_result<void>
/// (tcp_stream, duplex_stream) or be awaitable (buffered_writer, which flushes
/// first); shutdown_write(s) awaits whichever it is.
#pragma once

#include <concepts>

#include "interop/concepts.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// s.shutdown_write() ends the writing direction (the peer reads end of stream)
/// while reading goes on.
template <typename S>
concept AsyncShutdown = requires(S& s) {
    requires std::same_as<decltype(s.shutdown_write()), io_result<void>> ||
        awaitable_of<decltype(s.shutdown_write()), io_result<void>>;
};

/// Ends the writing direction of `s`, awaiting its shutdown_write() when it is
/// awaitable.
template <AsyncShutdown S>
task<io_result<void>> shutdown_write(S& s) {
    if constexpr (std::same_as<decltype(s.shutdown_write()), io_result<void>>) {
        co_return s.shutdown_write();
    } else {
        co_return co_await s.shutdown_write();
    }
}

}  // namespace interop
