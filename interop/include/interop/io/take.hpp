/// \file
/// take(reader, n): a reader that ends after n bytes of the one it wraps.
///
///     auto body = interop::take(stream, content_length);   // borrows stream
///     std::array<std::byte, 4096> chunk;
///     while (auto n = co_await body.read(chunk)) {          // 0 after content_length bytes
///         if (*n == 0) break;
///         consume(std::span(chunk).first(*n));
///     }
///
/// Like tokio's `AsyncReadExt::take` and `io.LimitReader` in Go: each read returns
/// what arrives, at most the bytes still allowed, so a body of announced length is
/// read as it comes without a buffer of that size. Nothing beyond the limit is read
/// from the inner reader, which can go on with what follows. The inner reader
/// ending first ends this one too (remaining() then tells how much was missing).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "interop/concepts.hpp"
#include "interop/io/detail/held.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// A reader of at most `limit` bytes of R; see the top of this file.
template <typename R>
    requires AsyncRead<std::remove_reference_t<R>>
class take_reader {
public:
    using inner_type = std::remove_reference_t<R>;

    /// R is a reference type to borrow the reader, a value type to own it.
    explicit take_reader(std::type_identity_t<R> inner, std::uint64_t limit)
        : inner_(std::forward<R>(inner)), remaining_(limit) {}

    inner_type& inner() noexcept { return inner_.get(); }
    /// The bytes this reader may still return.
    std::uint64_t remaining() const noexcept { return remaining_; }
    /// Allows `limit` more bytes from now on (the next part of a chunked body).
    void set_limit(std::uint64_t limit) noexcept { remaining_ = limit; }

    /// Reads at least one byte and at most remaining(); 0 once the limit is reached
    /// or the inner reader ended. An empty buffer is invalid_argument (0 means the end).
    task<io_result<std::size_t>> read(std::span<std::byte> out) {
        if (out.empty()) co_return std::errc::invalid_argument;
        if (remaining_ == 0) co_return std::size_t{0};
        const auto allowed =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, out.size()));
        io_result<std::size_t> n = co_await inner().read(out.first(allowed));
        if (n) remaining_ -= *n;
        co_return n;
    }
    task<io_result<std::size_t>> read(std::span<char> out) {
        return read(std::as_writable_bytes(out));
    }

private:
    detail::held<R> inner_;
    std::uint64_t remaining_;
};

/// take_reader t(reader, n) borrows reader; take_reader t(std::move(reader), n) owns it.
template <typename R>
take_reader(R&&, std::uint64_t) -> take_reader<R>;

/// `interop::take(reader, n)`: at most n bytes of reader, as a reader.
template <typename R>
    requires AsyncRead<std::remove_reference_t<R>> take_reader<R> take(R&& reader,
                                                                       std::uint64_t limit) {
        return take_reader<R>(std::forward<R>(reader), limit);
    }

}  // namespace interop
