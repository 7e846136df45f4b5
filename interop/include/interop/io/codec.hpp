/// \file
/// Codecs: how `framed` turns a byte stream into items and items into bytes.
///
/// A decoder looks at the bytes buffered so far and either finds one whole item at
/// their start or asks for more; an encoder appends an item's bytes to a buffer.
/// framed does all the reading, buffering, writing and cancellation; a codec only
/// knows its format. A line protocol is a few lines:
///
///     struct line_codec {
///         using item_type = std::string;
///         // Bytes used by the item written to `line`, 0 for "need more bytes".
///         interop::io_result<std::size_t> decode(std::span<const std::byte> in,
///                                                std::string& line) {
///             auto nl = std::ranges::find(in, std::byte{'\n'});
///             if (nl == in.end()) return 0;
///             line.assign(reinterpret_cast<const char*>(in.data()), nl - in.begin());
///             return static_cast<std::size_t>(nl - in.begin()) + 1;
///         }
///         interop::io_result<void> encode(std::string_view line,
///                                         std::vector<std::byte>& out) {
///             auto bytes = std::as_bytes(std::span(line));
///             out.insert(out.end(), bytes.begin(), bytes.end());
///             out.push_back(std::byte{'\n'});
///             return {};
///         }
///     };
///
/// The rules a decoder follows:
/// - decode(in, item) returns the number of bytes of `in` that make up the item it
///   wrote into `item` (at least one), 0 when `in` does not hold a whole item yet, or
///   an error, which ends the stream of items. It must not keep pointers into `in`.
/// - It refuses what it cannot accept before the bytes arrive (a length above its
///   limit, a line longer than its limit), so a peer cannot make the reader buffer
///   without bound.
/// - Optionally, decode_eof(rest, item) decides what bytes left at the end of the
///   stream mean (the last line without its newline); without it they are the error
///   std::errc::no_message_available.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

#include "interop/io_result.hpp"

namespace interop {

/// Finds items in buffered bytes; see the top of this file.
template <typename C>
concept Decoder = std::movable<typename C::item_type> &&
    std::default_initializable<typename C::item_type> &&
    requires(C& c, std::span<const std::byte> in, typename C::item_type& item) {
    { c.decode(in, item) } -> std::same_as<io_result<std::size_t>>;
};

/// Writes items of type I as bytes.
template <typename C, typename I>
concept Encoder = requires(C& c, const I& item, std::vector<std::byte>& out) {
    { c.encode(item, out) } -> std::same_as<io_result<void>>;
};

/// A decoder with its own rule for bytes left at the end of the stream.
template <typename C>
concept DecoderWithEof = Decoder<C> &&
    requires(C& c, std::span<const std::byte> rest, typename C::item_type& item) {
    { c.decode_eof(rest, item) } -> std::same_as<io_result<std::size_t>>;
};

}  // namespace interop
