/// \file
/// length_prefix_codec: frames that are a 4-byte big-endian length followed by that
/// many payload bytes; `framed`'s default codec.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "interop/io/errors.hpp"
#include "interop/io_result.hpp"

namespace interop {

/// Length-delimited frames. A frame longer than max_frame_length is refused with
/// io_errc::frame_too_long: on encode before anything is written, on decode as soon
/// as its length is read, before its payload is buffered.
class length_prefix_codec {
public:
    using item_type = std::vector<std::byte>;
    static constexpr std::size_t header_size = 4;

    /// max_frame_length is capped at 2^32 - 1, the most the header can say.
    explicit length_prefix_codec(std::size_t max_frame_length = 8 * 1024 * 1024) noexcept
        : max_frame_(
              std::min<std::size_t>(max_frame_length, std::numeric_limits<std::uint32_t>::max())) {}

    std::size_t max_frame_length() const noexcept { return max_frame_; }

    io_result<std::size_t> decode(std::span<const std::byte> in, item_type& frame) const {
        if (in.size() < header_size) return std::size_t{0};
        const std::size_t length = (std::size_t{std::to_integer<std::uint8_t>(in[0])} << 24) |
                                   (std::size_t{std::to_integer<std::uint8_t>(in[1])} << 16) |
                                   (std::size_t{std::to_integer<std::uint8_t>(in[2])} << 8) |
                                   std::size_t{std::to_integer<std::uint8_t>(in[3])};
        if (length > max_frame_) return make_error_code(io_errc::frame_too_long);
        if (in.size() - header_size < length) return std::size_t{0};
        const auto payload = in.subspan(header_size, length);
        frame.assign(payload.begin(), payload.end());
        return header_size + length;
    }

    io_result<void> encode(std::span<const std::byte> payload, std::vector<std::byte>& out) const {
        if (payload.size() > max_frame_) return make_error_code(io_errc::frame_too_long);
        const auto length = static_cast<std::uint32_t>(payload.size());
        out.push_back(static_cast<std::byte>(length >> 24));
        out.push_back(static_cast<std::byte>(length >> 16));
        out.push_back(static_cast<std::byte>(length >> 8));
        out.push_back(static_cast<std::byte>(length));
        out.insert(out.end(), payload.begin(), payload.end());
        return {};
    }

private:
    std::size_t max_frame_;
};

}  // namespace interop
