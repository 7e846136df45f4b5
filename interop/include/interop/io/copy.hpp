/// \file
/// copy(reader, writer): moves bytes from reader to writer until the reader's end
/// of stream, and returns how many it moved.
///
///     auto n = co_await interop::copy(upstream, client);   // io_result<std::uint64_t>
///
/// The writer is not shut down or closed at the end; copy_bidirectional does that.
/// copy(reader, writer) allocates one buffer per call (copy_buffer_size bytes);
/// copy(reader, writer, buffer) uses yours and allocates nothing. Spell it
/// interop::copy: argument-dependent lookup also finds std::copy when an argument
/// comes from namespace std (a std::span, a std::byte array).
///
/// Cancellation: a cancelled read loses nothing, but a chunk that was read and not
/// yet fully written when the cancellation came is lost (at most one buffer: it is
/// gone from the reader and only partly, or not at all, in the writer). Bytes copied
/// before that chunk are written, in order, exactly once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "interop/concepts.hpp"
#include "interop/io/write_all.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

inline constexpr std::size_t copy_buffer_size = 16 * 1024;

/// Moves bytes from `reader` to `writer` through `buffer` until the reader's end of
/// stream, and returns how many it moved.
template <AsyncRead R, AsyncWrite W>
task<io_result<std::uint64_t>> copy(R& reader, W& writer, std::span<std::byte> buffer) {
    if (buffer.empty()) co_return std::errc::invalid_argument;
    std::uint64_t total = 0;
    for (;;) {
        io_result<std::size_t> n = co_await reader.read(buffer);
        if (!n) co_return n.error();
        if (*n == 0) co_return total;
        auto w = co_await write_all(writer, std::span<const std::byte>(buffer.first(*n)));
        if (!w) co_return w.error();
        total += *n;
    }
}

/// Moves bytes from `reader` to `writer` until the reader's end of stream, through
/// a buffer of copy_buffer_size bytes, and returns how many it moved.
template <AsyncRead R, AsyncWrite W>
task<io_result<std::uint64_t>> copy(R& reader, W& writer) {
    std::vector<std::byte> buffer(copy_buffer_size);
    co_return co_await interop::copy(reader, writer, std::span<std::byte>(buffer));
}

}  // namespace interop
