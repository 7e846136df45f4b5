/// \file
/// write_all(writer, data): writes the whole buffer (or the whole text of a
/// std::string_view).
///
/// Cancellation: the bytes already written stay written (the writer's own contract
/// says a cancelled write wrote nothing of its last chunk); the result is
/// operation_canceled and the count is lost, so a retry would resend from the
/// start. Write to a buffered_writer or a framed stream when a retry must not
/// duplicate bytes.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "interop/concepts.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// A writer may offer a write_all of its own with the same result and cancellation
/// (tcp_stream does: it costs no coroutine frame when the first write takes
/// everything); write_all(writer, data) then uses it.
template <typename W>
concept has_own_write_all = requires(W& writer, std::span<const std::byte> data) {
    {writer.write_all(data)};
};

/// Writes the whole buffer, with the writer's own write_all.
template <AsyncWrite W>
    requires has_own_write_all<W>
[[nodiscard]] auto write_all(W& writer, std::span<const std::byte> data) {
    return writer.write_all(data);
}

/// Writes the whole buffer.
template <AsyncWrite W>
    requires(!has_own_write_all<W>)
task<io_result<std::size_t>> write_all(W& writer, std::span<const std::byte> data) {
    std::size_t done = 0;
    while (done < data.size()) {
        auto n = co_await writer.write(data.subspan(done));
        if (!n) co_return n.error();
        done += *n;
    }
    co_return done;
}

/// Writes the whole text (its bytes, no terminator), as either form above does: the
/// characters must stay alive until the write is done, as a buffer must.
///
///     co_await interop::write_all(out, std::string_view("hello\n"));
template <AsyncWrite W>
[[nodiscard]] auto write_all(W& writer, std::string_view text) {
    return write_all(writer, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace interop
