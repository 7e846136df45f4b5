/// \file
/// read_to_end(reader, buf): appends everything up to end of stream to `buf` (a
/// std::vector<std::byte> or a std::string) and returns how many bytes it appended.
///
///     std::string body;
///     auto n = co_await interop::read_to_end(stream, body);
///
/// On an error or a cancellation the bytes read until then are in `buf` (appended,
/// and consumed from the stream); buf.size() tells how far it got, and calling
/// read_to_end again with the same buffer continues without loss.
#pragma once

#include <cstddef>
#include <limits>

#include "interop/concepts.hpp"
#include "interop/io/detail/append_read.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// Appends everything up to end of stream to `buf` and returns how many bytes it
/// appended.
template <AsyncRead R, typename Buffer>
    requires detail::byte_container<Buffer> task<io_result<std::size_t>> read_to_end(R& reader,
                                                                                     Buffer& buf) {
        const std::size_t start = buf.size();
        for (;;) {
            const std::size_t want =
                detail::spare_for_read(buf, std::numeric_limits<std::size_t>::max());
            auto n = co_await detail::append_read(reader, buf, want);
            if (!n) co_return n.error();
            if (*n == 0) co_return buf.size() - start;
        }
    }

}  // namespace interop
