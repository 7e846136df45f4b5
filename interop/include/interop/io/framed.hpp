/// \file
/// `framed<S>`: length-delimited frames over a byte stream. Each frame is a 4-byte
/// big-endian length followed by that many payload bytes.
///
///     interop::framed conn(stream);                     // borrows stream
///     co_await conn.send(payload);                      // io_result<void>
///     while (auto frame = co_await conn.next()) {       // io_result<std::vector<std::byte>>
///         if (!*frame) { report(frame->error()); break; }
///         handle(**frame);
///     }
///
/// - framed models AsyncIterator with value_type io_result<std::vector<std::byte>>:
///   next() gives a frame, an error item (the last one), or std::nullopt when the
///   stream ends cleanly between two frames. recv(out) is the allocation-free form:
///   it fills a vector you reuse and returns true, or false at the end.
/// - A frame longer than max_frame_length is refused with io_errc::frame_too_long,
///   on send before anything is written, on receive before its payload is read.
///   The receive buffer grows with the bytes that actually arrive (doubling), so a
///   peer announcing a large frame and then stalling cannot make the reader
///   allocate the whole frame up front.
/// - End of stream inside a frame (in its length or its payload) is the error
///   std::errc::no_message_available, never a silent end.
/// - Receiving and sending are independent: one task may wait in next() while
///   another sends, when S allows one read and one write at once (tcp_stream,
///   duplex_stream do). Over a read-only or write-only stream (a split half),
///   only the receiving or the sending side exists.
///
/// Cancellation keeps the stream well-formed in both directions:
/// - A cancelled next()/recv() consumes nothing from the frame being received: the
///   bytes already read stay buffered and the next call returns the whole frame.
///   (next() reports the cancellation as its last item, as any error; recv() may be
///   called again.)
/// - A cancelled send() either sent nothing of its frame, or, when part of the frame
///   was already on the wire, keeps the rest buffered: the next send() or flush()
///   writes that rest first, so the peer never sees a truncated frame.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "interop/concepts.hpp"
#include "interop/io/detail/byte_buffer.hpp"
#include "interop/io/detail/held.hpp"
#include "interop/io/errors.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// Options of framed.
struct framed_options {
    std::size_t max_frame_length = 8 * 1024 * 1024;  ///< payload bytes; at most 2^32 - 1
    std::size_t read_capacity = 8 * 1024;            ///< initial receive buffer
};

/// Length-delimited frames over a byte stream: a 4-byte big-endian length, then
/// that many payload bytes.
template <typename S>
    requires AsyncRead<std::remove_reference_t<S>> || AsyncWrite<std::remove_reference_t<S>>
class framed {
public:
    using stream_type = std::remove_reference_t<S>;
    using value_type = io_result<std::vector<std::byte>>;

    static constexpr std::size_t header_size = 4;
    static constexpr std::size_t keep_send_buffer = 64 * 1024;

    /// S is a reference type to borrow the stream, a value type to own it.
    /// (The parameter is not deducible so that only the deduction guides below
    /// decide between borrowing and owning.)
    explicit framed(std::type_identity_t<S> stream, framed_options options = {})
        : stream_(std::forward<S>(stream)),
          in_(options.read_capacity == 0 ? 1 : options.read_capacity),
          max_frame_(std::min<std::size_t>(options.max_frame_length,
                                           std::numeric_limits<std::uint32_t>::max())) {}

    stream_type& get() noexcept { return stream_.get(); }
    std::size_t max_frame_length() const noexcept { return max_frame_; }

    /// Writes one frame (after any rest of a cancelled send).
    task<io_result<void>> send(std::span<const std::byte> payload) requires
        AsyncWrite<stream_type> {
        io_result<void> earlier = co_await flush();
        if (!earlier) co_return earlier;
        if (payload.size() > max_frame_) co_return make_error_code(io_errc::frame_too_long);
        // Header and payload go out together, from one buffer that is reused.
        const auto length = static_cast<std::uint32_t>(payload.size());
        out_.clear();
        out_.push_back(static_cast<std::byte>(length >> 24));
        out_.push_back(static_cast<std::byte>(length >> 16));
        out_.push_back(static_cast<std::byte>(length >> 8));
        out_.push_back(static_cast<std::byte>(length));
        out_.insert(out_.end(), payload.begin(), payload.end());
        out_sent_ = 0;
        io_result<void> sent = co_await flush();
        if (!sent && out_sent_ == 0) out_.clear();  // nothing of this frame left: it was not sent
        co_return sent;
    }

    /// Writes the rest of a frame whose send() was cancelled part-way; nothing to do otherwise.
    task<io_result<void>> flush() requires AsyncWrite<stream_type> {
        while (out_sent_ < out_.size()) {
            io_result<std::size_t> n =
                co_await get().write(std::span<const std::byte>(out_).subspan(out_sent_));
            if (!n) co_return n.error();
            out_sent_ += *n;
        }
        out_sent_ = 0;
        // Small frames reuse the buffer; the memory of a large one is given back.
        if (out_.capacity() > keep_send_buffer) {
            out_ = std::vector<std::byte>();
        } else {
            out_.clear();
        }
        co_return io_result<void>{};
    }

    /// Receives one frame into `frame` (replacing its contents, reusing its memory).
    /// true: a frame arrived; false: the stream ended cleanly between frames.
    task<io_result<bool>> recv(std::vector<std::byte>& frame) requires AsyncRead<stream_type> {
        io_result<bool> header = co_await buffer_at_least(header_size);
        if (!header) co_return header.error();
        if (!*header) {
            if (in_.empty()) co_return false;
            co_return std::errc::no_message_available;  // a partial length
        }
        const auto h = in_.data();
        const std::size_t length = (std::size_t{std::to_integer<std::uint8_t>(h[0])} << 24) |
                                   (std::size_t{std::to_integer<std::uint8_t>(h[1])} << 16) |
                                   (std::size_t{std::to_integer<std::uint8_t>(h[2])} << 8) |
                                   std::size_t{std::to_integer<std::uint8_t>(h[3])};
        if (length > max_frame_) co_return make_error_code(io_errc::frame_too_long);
        io_result<bool> body = co_await buffer_at_least(header_size + length);
        if (!body) co_return body.error();
        if (!*body) co_return std::errc::no_message_available;  // a partial payload
        const auto payload = in_.data().subspan(header_size, length);
        frame.assign(payload.begin(), payload.end());
        in_.consume(header_size + length);
        co_return true;
    }

    /// The AsyncIterator form; see the top of this file.
    task<std::optional<value_type>> next() requires AsyncRead<stream_type> {
        if (ended_) co_return std::nullopt;
        std::vector<std::byte> frame;
        io_result<bool> got = co_await recv(frame);
        if (got && *got) co_return std::optional<value_type>(std::move(frame));
        ended_ = true;
        if (!got) co_return std::optional<value_type>(got.error());
        co_return std::nullopt;
    }

private:
    // Reads until `total` bytes are buffered: true, or false at end of stream first.
    task<io_result<bool>> buffer_at_least(std::size_t total) {
        while (in_.size() < total) {
            // Grow with what actually arrives (doubling), not with what the length
            // promised: a peer that announces a large frame and stalls costs little.
            const std::size_t room =
                total <= in_.capacity()
                    ? total
                    : std::min(total, std::max(in_.capacity() * 2, in_.size() + 1));
            auto space = in_.prepare(room);
            io_result<std::size_t> n = co_await get().read(space);
            if (!n) co_return n.error();
            if (*n == 0) co_return false;
            in_.commit(*n);
        }
        co_return true;
    }

    io_detail::held<S> stream_;
    io_detail::byte_buffer in_;
    std::vector<std::byte> out_;  // the frame being sent; out_[0, out_sent_) is written
    std::size_t out_sent_ = 0;
    std::size_t max_frame_;
    bool ended_ = false;
};

/// framed f(stream) borrows stream; framed f(std::move(stream)) owns it.
template <typename S>
framed(S&&) -> framed<S>;
template <typename S>
framed(S&&, framed_options) -> framed<S>;

}  // namespace interop
