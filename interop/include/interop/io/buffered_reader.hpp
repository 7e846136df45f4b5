/// \file
/// buffered_reader<R>: reads ahead from R into a buffer it owns, for line and
/// delimiter protocols and for many small reads.
///
///     interop::buffered_reader reader(stream);              // borrows stream
///     interop::buffered_reader owner(std::move(stream));    // owns it
///     auto lines = reader.lines();                          // io_result<std::string> items
///     while (auto line = co_await lines.next()) {
///         if (!*line) { report(line->error()); break; }     // an error is the last item
///         handle(**line);
///     }
///
/// Access:
/// - read(buf): takes buffered bytes first; with nothing buffered it refills the
///   buffer with one read of R, or, for a request at least as large as the buffer,
///   reads straight into buf.
/// - fill_buf() / consume(n): look at the buffered bytes (refilling once if there
///   are none; an empty span is end of stream), then say how many were used.
/// - read_until(out, delim): appends up to and including the next delimiter to out;
///   returns the count, the unterminated rest at end of stream, 0 at the end.
/// - lines(): a generator of the lines without "\n" or "\r\n".
///
/// Line limit: read_until and lines() refuse a line of more than max_line_length
/// bytes before its delimiter with io_errc::line_too_long instead of buffering it,
/// so memory stays bounded by capacity + max_line_length. Nothing is consumed then:
/// the buffered bytes are still there for read()/consume(), but most protocols just
/// close the connection.
///
/// lines() yields io_result<std::string>, as tokio's and futures' line streams
/// yield io::Result<String>: an I/O error, line_too_long or a cancellation arrives
/// as an error item, and the iteration ends after it. The generator borrows the
/// reader; everything it has not yet yielded stays in the reader, so a new lines()
/// (or read_until) carries on where a cancelled one stopped.
///
/// Cancellation loses nothing here: a cancelled read, fill_buf or read_until
/// consumes no bytes and leaves `out` untouched; a partial line stays in the buffer
/// and the next read_until returns the whole line.
///
/// One operation at a time per reader. Writes are passed through to R when R is
/// also a writer (its write direction is unbuffered), and so are shutdown_write()
/// and close().
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "interop/concepts.hpp"
#include "interop/generator.hpp"
#include "interop/io/detail/byte_buffer.hpp"
#include "interop/io/detail/held.hpp"
#include "interop/io/errors.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// Options of buffered_reader.
struct buffered_reader_options {
    std::size_t capacity = 8 * 1024;  ///< bytes asked of the inner reader per read
    std::size_t max_line_length =
        64 * 1024;  // longest line read_until/lines() accept, delimiter excluded
};

/// Reads ahead from `R` into a buffer it owns, for line and delimiter protocols and
/// for many small reads.
template <typename R>
    requires AsyncRead<std::remove_reference_t<R>>
class buffered_reader {
public:
    using inner_type = std::remove_reference_t<R>;

    /// R is a reference type to borrow the reader, a value type to own it. A
    /// capacity of 0 is rejected with std::invalid_argument.
    /// (The parameter is not deducible so that only the deduction guides below
    /// decide between borrowing and owning.)
    explicit buffered_reader(std::type_identity_t<R> inner, buffered_reader_options options = {})
        : inner_(std::forward<R>(inner)),
          buffer_(checked_capacity(options.capacity)),
          capacity_(options.capacity),
          max_line_(options.max_line_length) {}

    inner_type& inner() noexcept { return inner_.get(); }
    /// The bytes read ahead and not consumed yet.
    std::span<const std::byte> buffer() const noexcept { return buffer_.data(); }
    std::size_t max_line_length() const noexcept { return max_line_; }

    task<io_result<std::size_t>> read(std::span<std::byte> out) {
        if (out.empty()) co_return std::errc::invalid_argument;  // 0 is reserved for end of stream
        if (buffer_.empty()) {
            if (out.size() >= capacity_) co_return co_await inner().read(out);
            auto n = co_await refill(capacity_);
            if (!n) co_return n.error();
            if (*n == 0) co_return std::size_t{0};
        }
        co_return take(out);
    }
    task<io_result<std::size_t>> read(std::span<char> out) {
        return read(std::as_writable_bytes(out));
    }

    /// The buffered bytes, after one read of the inner reader if there were none.
    /// The span is valid until the next call on this reader; empty means end of stream.
    task<io_result<std::span<const std::byte>>> fill_buf() {
        if (buffer_.empty()) {
            auto n = co_await refill(capacity_);
            if (!n) co_return n.error();
        }
        co_return buffer_.data();
    }
    /// Marks n of the bytes returned by fill_buf() (or buffer()) as used.
    void consume(std::size_t n) noexcept { buffer_.consume(std::min(n, buffer_.size())); }

    task<io_result<std::size_t>> read_until(std::string& out, char delim) {
        return read_until_into(out, static_cast<std::byte>(delim));
    }
    task<io_result<std::size_t>> read_until(std::vector<std::byte>& out, std::byte delim) {
        return read_until_into(out, delim);
    }

    generator<io_result<std::string>> lines() {
        for (;;) {
            std::string line;
            auto n = co_await read_until(line, '\n');
            if (!n) {
                io_result<std::string> failure(n.error());
                co_yield std::move(failure);
                co_return;
            }
            if (*n == 0) co_return;
            if (line.back() == '\n') {
                line.pop_back();
                if (!line.empty() && line.back() == '\r') line.pop_back();
            }
            io_result<std::string> item(std::move(line));
            co_yield std::move(item);
        }
    }

    /// The write direction, unbuffered, when the inner stream has one.
    auto write(std::span<const std::byte> data) requires AsyncWrite<inner_type> {
        return inner().write(data);
    }
    auto shutdown_write() requires requires(inner_type& s) { s.shutdown_write(); }
    { return inner().shutdown_write(); }
    auto close() requires AsyncClose<inner_type> { return inner().close(); }

private:
    static std::size_t checked_capacity(std::size_t capacity) {
        if (capacity == 0)
            throw std::invalid_argument("interop::buffered_reader: capacity must be at least 1");
        return capacity;
    }

    std::size_t take(std::span<std::byte> out) noexcept {
        const auto available = buffer_.data();
        const std::size_t n = std::min(out.size(), available.size());
        std::memcpy(out.data(), available.data(), n);
        buffer_.consume(n);
        return n;
    }

    // One read of the inner reader into the free space, making room for `total`
    // buffered bytes first. A failed or cancelled read leaves the buffer as it was.
    task<io_result<std::size_t>> refill(std::size_t total) {
        auto space = buffer_.prepare(total);
        io_result<std::size_t> n = co_await inner().read(space);
        if (n) buffer_.commit(*n);
        co_return n;
    }

    template <typename Out>
    task<io_result<std::size_t>> read_until_into(Out& out, std::byte delim) {
        // The buffer needs room for the longest line plus its delimiter.
        const std::size_t limit = detail::saturating_add(max_line_, 1);
        std::size_t scanned = 0;  // bytes of the buffer known to hold no delimiter
        for (;;) {
            const auto data = buffer_.data();
            const auto found =
                std::find(data.begin() + static_cast<std::ptrdiff_t>(scanned), data.end(), delim);
            if (found != data.end()) {
                const auto length = static_cast<std::size_t>(found - data.begin()) + 1;
                if (length > limit) co_return make_error_code(io_errc::line_too_long);
                co_return move_out(out, length);
            }
            scanned = data.size();
            if (data.size() >= limit) co_return make_error_code(io_errc::line_too_long);
            // Grow by doubling while a line does not fit, never beyond the limit.
            const std::size_t want = data.size() < buffer_.capacity()
                                         ? capacity_
                                         : std::min(limit, buffer_.capacity() * 2);
            auto n = co_await refill(std::max(want, data.size() + 1));
            if (!n) co_return n.error();
            if (*n == 0) co_return move_out(out, buffer_.size());  // the unterminated rest, or 0
        }
    }

    template <typename Out>
    std::size_t move_out(Out& out, std::size_t n) {
        const auto data = buffer_.data().first(n);
        const auto* first = reinterpret_cast<const typename Out::value_type*>(data.data());
        out.insert(out.end(), first, first + n);
        buffer_.consume(n);
        return n;
    }

    detail::held<R> inner_;
    detail::byte_buffer buffer_;
    std::size_t capacity_;
    std::size_t max_line_;
};

/// buffered_reader r(stream) borrows stream; buffered_reader r(std::move(stream)) owns it.
template <typename R>
buffered_reader(R&&) -> buffered_reader<R>;
template <typename R>
buffered_reader(R&&, buffered_reader_options) -> buffered_reader<R>;

}  // namespace interop
