/// \file
/// read_exact(reader, buffer): reads exactly buffer.size() bytes.
///
/// End of stream before that is errc::no_message_available; the bytes read so far
/// are in the buffer (and consumed from the stream).
///
/// Cancellation works the same way: a read_exact cancelled after 3 of 10 bytes
/// reports operation_canceled, the 3 bytes are in buffer[0..3) and gone from the
/// stream, and the next read returns the 4th byte. The count is not reported, so
/// code that must resume after a cancellation reads through a buffered_reader or
/// a framed stream instead.
#pragma once

#include <cstddef>
#include <span>

#include "interop/concepts.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// Reads exactly buffer.size() bytes.
template <AsyncRead R>
task<io_result<std::size_t>> read_exact(R& reader, std::span<std::byte> buffer) {
    std::size_t done = 0;
    while (done < buffer.size()) {
        auto n = co_await reader.read(buffer.subspan(done));
        if (!n) co_return n.error();
        if (*n == 0) co_return std::errc::no_message_available;
        done += *n;
    }
    co_return done;
}

}  // namespace interop
