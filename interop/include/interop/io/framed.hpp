/// \file
/// `framed<S, Codec>`: items over a byte stream, in the format a codec defines
/// (interop/io/codec.hpp). The default codec, length_prefix_codec, makes each frame
/// a 4-byte big-endian length followed by that many payload bytes; line_codec makes
/// items of text lines; a protocol of your own is a small codec class.
///
///     interop::framed conn(stream);                     // borrows stream
///     co_await conn.send(payload);                      // io_result<void>
///     while (auto frame = co_await conn.next()) {       // io_result<std::vector<std::byte>>
///         if (!*frame) { report(frame->error()); break; }
///         handle(**frame);
///     }
///
///     interop::framed lines(std::move(stream), interop::line_codec{});  // owns stream
///     co_await lines.send("PING");
///
/// - framed models AsyncIterator with value_type `io_result<Codec::item_type>`:
///   next() gives an item, an error item (the last one), or std::nullopt when the
///   stream ends cleanly between two items. recv(out) is the allocation-free form:
///   it fills an item you reuse and returns true, or false at the end.
/// - The codec refuses what is too large (length_prefix_codec: a frame longer than
///   max_frame_length, io_errc::frame_too_long, on send before anything is written,
///   on receive before its payload is read). The receive buffer grows with the bytes
///   that actually arrive (doubling), so a peer announcing a large frame and then
///   stalling cannot make the reader allocate the whole frame up front.
/// - End of stream inside an item is the error std::errc::no_message_available,
///   never a silent end, unless the codec gives the rest a meaning (decode_eof:
///   line_codec returns a last line that lacks its newline).
/// - Receiving and sending are independent: one task may wait in next() while
///   another sends, when S allows one read and one write at once (tcp_stream,
///   duplex_stream do). Over a read-only or write-only stream (a split half),
///   only the receiving or the sending side exists.
///
/// Cancellation keeps the stream well-formed in both directions:
/// - A cancelled next()/recv() consumes nothing from the item being received: the
///   bytes already read stay buffered and the next call returns the whole item.
///   (next() reports the cancellation as its last item, as any error; recv() may be
///   called again.)
/// - A cancelled send() either sent nothing of its item, or, when part of it was
///   already on the wire, keeps the rest buffered: the next send() or flush() writes
///   that rest first, so the peer never sees a truncated item.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "interop/concepts.hpp"
#include "interop/io/codec.hpp"
#include "interop/io/detail/byte_buffer.hpp"
#include "interop/io/detail/held.hpp"
#include "interop/io/length_prefix_codec.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop {

/// Options of framed with its default codec.
struct framed_options {
    std::size_t max_frame_length = 8 * 1024 * 1024;  ///< payload bytes; at most 2^32 - 1
    std::size_t read_capacity = 8 * 1024;            ///< initial receive buffer
};

/// Items over a byte stream, in the format of `Codec`; see the top of this file.
template <typename S, typename Codec = length_prefix_codec>
    requires(AsyncRead<std::remove_reference_t<S>> || AsyncWrite<std::remove_reference_t<S>>)
&&Decoder<Codec> class framed {
public:
    using stream_type = std::remove_reference_t<S>;
    using codec_type = Codec;
    using item_type = typename Codec::item_type;
    using value_type = io_result<item_type>;

    static constexpr std::size_t default_read_capacity = 8 * 1024;
    static constexpr std::size_t keep_send_buffer = 64 * 1024;

    /// S is a reference type to borrow the stream, a value type to own it.
    /// (The parameter is not deducible so that only the deduction guides below
    /// decide between borrowing and owning.)
    explicit framed(std::type_identity_t<S> stream, Codec codec,
                    std::size_t read_capacity = default_read_capacity)
        : stream_(std::forward<S>(stream)),
          codec_(std::move(codec)),
          in_(std::max<std::size_t>(read_capacity, 1)) {}

    /// Length-delimited frames (length_prefix_codec) with these limits.
    explicit framed(std::type_identity_t<S> stream,
                    framed_options options = {}) requires std::same_as<Codec, length_prefix_codec>
        : framed(std::forward<S>(stream), length_prefix_codec(options.max_frame_length),
                 options.read_capacity) {}

    stream_type& get() noexcept { return stream_.get(); }
    Codec& codec() noexcept { return codec_; }
    std::size_t max_frame_length()
        const noexcept requires std::same_as<Codec, length_prefix_codec> {
        return codec_.max_frame_length();
    }

    /// Writes one item (after any rest of a cancelled send). The item is encoded
    /// before send returns, so it need not outlive the call; an item the codec
    /// refuses is reported without writing anything.
    template <typename I>
        requires Encoder<Codec, I> && AsyncWrite<stream_type> task<io_result<void>> send(
            const I& item) {
            const std::size_t start = out_.size();
            io_result<void> encoded = codec_.encode(item, out_);
            if (!encoded) {
                out_.resize(start);
                return ready(encoded);
            }
            return write_from(start);
        }

    /// Writes the rest of an item whose send() was cancelled part-way; nothing to do otherwise.
    task<io_result<void>> flush() requires AsyncWrite<stream_type> {
        while (out_sent_ < out_.size()) {
            io_result<std::size_t> n =
                co_await get().write(std::span<const std::byte>(out_).subspan(out_sent_));
            if (!n) co_return n.error();
            out_sent_ += *n;
        }
        out_sent_ = 0;
        // Small items reuse the buffer; the memory of a large one is given back.
        if (out_.capacity() > keep_send_buffer) {
            out_ = std::vector<std::byte>();
        } else {
            out_.clear();
        }
        co_return io_result<void>{};
    }

    /// Receives one item into `item` (reusing its memory where the codec can).
    /// true: an item arrived; false: the stream ended cleanly between items.
    task<io_result<bool>> recv(item_type& item) requires AsyncRead<stream_type> {
        for (;;) {
            if (!in_.empty()) {
                io_result<std::size_t> used = codec_.decode(in_.data(), item);
                if (!used) co_return used.error();
                if (*used > 0) {
                    in_.consume(*used);
                    co_return true;
                }
            }
            if (eof_) co_return at_end(item);
            // Grow with what actually arrives (doubling), not with what an item
            // announces: a peer that announces a large item and stalls costs little.
            const std::size_t room =
                in_.size() < in_.capacity() ? in_.capacity() : in_.capacity() * 2;
            auto space = in_.prepare(room);
            io_result<std::size_t> n = co_await get().read(space);
            if (!n) co_return n.error();
            if (*n == 0) {
                eof_ = true;
                co_return at_end(item);
            }
            in_.commit(*n);
        }
    }

    /// The AsyncIterator form; see the top of this file.
    task<std::optional<value_type>> next() requires AsyncRead<stream_type> {
        if (ended_) co_return std::nullopt;
        item_type item{};
        io_result<bool> got = co_await recv(item);
        if (got && *got) co_return std::optional<value_type>(std::move(item));
        ended_ = true;
        if (!got) co_return std::optional<value_type>(got.error());
        co_return std::nullopt;
    }

private:
    static task<io_result<void>> ready(io_result<void> result) { co_return result; }

    // Writes out_ from out_sent_ on; `start` is where this send's item begins, so a
    // send cancelled before any of its bytes went out takes the item back.
    task<io_result<void>> write_from(std::size_t start) {
        io_result<void> sent = co_await flush();
        if (!sent && out_sent_ <= start) out_.resize(start);
        co_return sent;
    }

    // The stream has ended with in_ holding no whole item.
    io_result<bool> at_end(item_type& item) {
        if (in_.empty()) return false;
        if constexpr (DecoderWithEof<Codec>) {
            io_result<std::size_t> used = codec_.decode_eof(in_.data(), item);
            if (!used) return used.error();
            in_.consume(std::min(*used, in_.size()));
            return true;
        } else {
            return std::errc::no_message_available;  // a partial item
        }
    }

    detail::held<S> stream_;
    Codec codec_;
    detail::byte_buffer in_;
    std::vector<std::byte> out_;  // items being sent; out_[0, out_sent_) is written
    std::size_t out_sent_ = 0;
    bool eof_ = false;
    bool ended_ = false;
};

/// framed f(stream) borrows stream; framed f(std::move(stream)) owns it.
template <typename S>
framed(S&&) -> framed<S>;
template <typename S>
framed(S&&, framed_options) -> framed<S>;
template <typename S, Decoder C>
framed(S&&, C) -> framed<S, C>;
template <typename S, Decoder C>
framed(S&&, C, std::size_t) -> framed<S, C>;

}  // namespace interop
