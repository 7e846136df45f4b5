/// \file
/// buffered_writer<W>: collects small writes in a buffer it owns and writes them to
/// W in large pieces.
///
///     interop::buffered_writer out(stream);                  // borrows stream
///     co_await out.write(std::string_view("HTTP/1.1 200 OK\r\n"));
///     co_await out.write(headers);
///     co_await out.flush();                                  // or close()
///
/// - write(data) copies data into the buffer when it fits and completes at once. When
///   it does not fit, the buffer is flushed first; data at least as large as the
///   buffer then goes straight to W (one write, which may be partial, as any write).
/// - flush() writes out everything buffered, then flushes W if W can be flushed.
/// - close() flushes, then closes W when W models AsyncClose, also when the flush
///   failed (the flush error is reported first). shutdown_write() flushes, then
///   shuts down W's write direction.
/// - Destroying a buffered_writer without flush() or close() drops the bytes still
///   buffered (they were never written); its memory is released, nothing leaks.
///
/// Cancellation: a write() cancelled while it flushes accepted none of its data;
/// the buffered bytes that W had not taken yet stay buffered. A cancelled flush()
/// keeps what was not written: flush() again writes exactly the rest, so no byte is
/// lost or sent twice.
///
/// One operation at a time per writer. Reads are passed through to W when W is
/// also a reader (its read direction is unbuffered).
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

#include "interop/concepts.hpp"
#include "interop/io/detail/byte_buffer.hpp"
#include "interop/io/detail/held.hpp"
#include "interop/io/shutdown.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// Options of buffered_writer.
struct buffered_writer_options {
    std::size_t capacity = 8 * 1024;  ///< bytes collected before they are written
};

/// Collects small writes in a buffer it owns and writes them to `W` in large pieces.
template <typename W>
    requires AsyncWrite<std::remove_reference_t<W>>
class buffered_writer {
public:
    using inner_type = std::remove_reference_t<W>;

    /// W is a reference type to borrow the writer, a value type to own it. A
    /// capacity of 0 is rejected with std::invalid_argument.
    /// (The parameter is not deducible so that only the deduction guides below
    /// decide between borrowing and owning.)
    explicit buffered_writer(std::type_identity_t<W> inner, buffered_writer_options options = {})
        : inner_(std::forward<W>(inner)),
          buffer_(checked_capacity(options.capacity)),
          capacity_(options.capacity) {}

    inner_type& inner() noexcept { return inner_.get(); }
    /// The bytes accepted and not yet written to the inner writer.
    std::span<const std::byte> buffer() const noexcept { return buffer_.data(); }

    task<io_result<std::size_t>> write(std::span<const std::byte> data) {
        if (data.empty()) co_return std::size_t{0};
        if (data.size() > capacity_ - buffer_.size()) {
            io_result<void> flushed = co_await write_buffered();
            if (!flushed) co_return flushed.error();
            if (data.size() >= capacity_) co_return co_await inner().write(data);
        }
        auto space = buffer_.prepare(buffer_.size() + data.size());  // fits: never grows
        std::memcpy(space.data(), data.data(), data.size());
        buffer_.commit(data.size());
        co_return data.size();
    }
    task<io_result<std::size_t>> write(std::span<const char> data) {
        return write(std::as_bytes(data));
    }
    task<io_result<std::size_t>> write(std::string_view text) {
        return write(std::span<const char>(text.data(), text.size()));
    }

    task<io_result<void>> flush() {
        io_result<void> written = co_await write_buffered();
        if (!written) co_return written;
        if constexpr (requires(inner_type & s) { s.flush(); }) {
            co_return co_await inner().flush();
        } else {
            co_return written;
        }
    }

    task<io_result<void>> close() {
        io_result<void> flushed = co_await flush();
        if constexpr (AsyncClose<inner_type>) {
            io_result<void> closed = co_await inner().close();
            if (!flushed) co_return flushed;
            co_return closed;
        } else {
            co_return flushed;
        }
    }

    task<io_result<void>> shutdown_write() requires AsyncShutdown<inner_type> {
        io_result<void> flushed = co_await flush();
        if (!flushed) co_return flushed;
        co_return co_await interop::shutdown_write(inner());
    }

    /// The read direction, unbuffered, when the inner stream has one.
    auto read(std::span<std::byte> out) requires AsyncRead<inner_type> { return inner().read(out); }

private:
    static std::size_t checked_capacity(std::size_t capacity) {
        if (capacity == 0)
            throw std::invalid_argument("interop::buffered_writer: capacity must be at least 1");
        return capacity;
    }

    // Writes the buffer out, dropping each piece as soon as the inner writer took it.
    task<io_result<void>> write_buffered() {
        while (!buffer_.empty()) {
            io_result<std::size_t> n = co_await inner().write(buffer_.data());
            if (!n) co_return n.error();
            buffer_.consume(*n);
        }
        co_return io_result<void>{};
    }

    detail::held<W> inner_;
    detail::byte_buffer buffer_;
    std::size_t capacity_;
};

/// buffered_writer w(stream) borrows stream; buffered_writer w(std::move(stream)) owns it.
template <typename W>
buffered_writer(W&&) -> buffered_writer<W>;
template <typename W>
buffered_writer(W&&, buffered_writer_options) -> buffered_writer<W>;

}  // namespace interop
