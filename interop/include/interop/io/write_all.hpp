// write_all(writer, data): writes the whole buffer.
//
// Cancellation: the bytes already written stay written (the writer's own contract
// says a cancelled write wrote nothing of its last chunk); the result is
// operation_canceled and the count is lost, so a retry would resend from the
// start. Write to a buffered_writer or a framed stream when a retry must not
// duplicate bytes.
#pragma once

#include <cstddef>
#include <span>

#include "interop/concepts.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

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

}  // namespace interop
