/// \file
/// read_until(reader, buf, delim): reads into `buf` (a std::vector<std::byte> or a
/// std::string) until it contains `delim`, and returns the length of the prefix up
/// to and including the first delimiter.
///
///     std::string buf;
///     for (;;) {
///         auto n = co_await interop::read_until(stream, buf, '\n');
///         if (!n || *n == 0) break;           // error, or end of stream and nothing left
///         handle(std::string_view(buf).substr(0, *n));
///         buf.erase(0, *n);                   // keep what follows for the next call
///     }
///
/// - Reads go straight into `buf` in chunks, so buf may hold bytes after the
///   delimiter: leave them there for the next call, which looks at them first (the
///   convention of asio::async_read_until). To read without over-reading into your
///   own buffer, use buffered_reader::read_until, which keeps the extra bytes.
/// - End of stream: the unterminated rest, buf.size() (which does not end with the
///   delimiter); 0 when buf is empty.
/// - max_length bounds the bytes before the delimiter: with more than that and no
///   delimiter, the result is io_errc::line_too_long (buf keeps what was read).
///
/// Cancellation: the bytes read before the cancellation are in `buf` (consumed from
/// the stream, nothing lost); calling again with the same buffer carries on.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>

#include "interop/concepts.hpp"
#include "interop/io/detail/append_read.hpp"
#include "interop/io/detail/byte_buffer.hpp"
#include "interop/io/errors.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// Reads into `buf` until it contains `delim`, and returns the length of the prefix
/// up to and including the first delimiter.
template <AsyncRead R, typename Buffer>
    requires detail::byte_container<Buffer> task<io_result<std::size_t>> read_until(
        R& reader, Buffer& buf, typename Buffer::value_type delim,
        std::size_t max_length = std::numeric_limits<std::size_t>::max()) {
        // Bytes before this offset are known not to hold the delimiter.
        std::size_t scanned = 0;
        for (;;) {
            const auto from = buf.begin() + static_cast<std::ptrdiff_t>(scanned);
            const auto found = std::find(from, buf.end(), delim);
            if (found != buf.end()) {
                const auto before = static_cast<std::size_t>(found - buf.begin());
                if (before > max_length) co_return make_error_code(io_errc::line_too_long);
                co_return before + 1;
            }
            scanned = buf.size();
            if (buf.size() > max_length) co_return make_error_code(io_errc::line_too_long);
            // Never read past the first byte that would prove the line too long.
            const std::size_t room = detail::saturating_add(max_length, 1) - buf.size();
            const std::size_t want = detail::spare_for_read(buf, room);
            auto n = co_await detail::append_read(reader, buf, want);
            if (!n) co_return n.error();
            if (*n == 0) co_return buf.size();
        }
    }

}  // namespace interop
