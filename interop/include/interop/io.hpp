// Byte-stream helpers over anything that models AsyncRead / AsyncWrite.
#pragma once

#include <cstddef>
#include <span>

#include "interop/concepts.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

// Writes the whole buffer. On error, the bytes already written are lost to the
// caller's count (the error is returned): retrying resends from the start.
template <AsyncWrite W>
task<io_result<std::size_t>> write_all(W& writer, std::span<const std::byte> data) {
    std::size_t done = 0;
    while (done < data.size()) {
        auto n = co_await writer.write(data.subspan(done));
        if (!n) co_return n.error();
        done += *n;
    }
    co_return done;
}

// Reads exactly buffer.size() bytes. End of stream before that is reported as
// errc::no_message_available (the bytes read so far stay in the buffer).
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
