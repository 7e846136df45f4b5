/// \file
/// line_codec: text lines ending in "\n" (a "\r\n" ending is accepted and dropped).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "interop/io/errors.hpp"
#include "interop/io_result.hpp"

namespace interop {

/// Lines as std::string, without their ending. A line longer than max_length
/// (ending excluded) is refused with io_errc::line_too_long once that many bytes
/// have arrived without a newline. The last line of a stream may lack its "\n".
/// encode writes the line and "\n"; a line that contains a newline is refused with
/// std::errc::invalid_argument, since the peer would read it as two.
class line_codec {
public:
    using item_type = std::string;

    explicit line_codec(std::size_t max_length = 64 * 1024) noexcept : max_(max_length) {}

    io_result<std::size_t> decode(std::span<const std::byte> in, std::string& line) {
        // Bytes already searched are not searched again while a long line arrives.
        const auto from = in.begin() + static_cast<std::ptrdiff_t>(std::min(scanned_, in.size()));
        const auto newline = std::find(from, in.end(), std::byte{'\n'});
        if (newline == in.end()) {
            scanned_ = in.size();
            if (in.size() > max_ + 1) return make_error_code(io_errc::line_too_long);
            return std::size_t{0};
        }
        scanned_ = 0;
        const auto used = static_cast<std::size_t>(newline - in.begin()) + 1;
        io_result<void> taken = take_line(in.first(used - 1), line);
        if (!taken) return taken.error();
        return used;
    }

    io_result<std::size_t> decode_eof(std::span<const std::byte> rest, std::string& line) {
        scanned_ = 0;
        io_result<void> taken = take_line(rest, line);
        if (!taken) return taken.error();
        return rest.size();
    }

    io_result<void> encode(std::string_view line, std::vector<std::byte>& out) const {
        if (line.find('\n') != std::string_view::npos) return std::errc::invalid_argument;
        const auto bytes = std::as_bytes(std::span(line.data(), line.size()));
        out.insert(out.end(), bytes.begin(), bytes.end());
        out.push_back(std::byte{'\n'});
        return {};
    }

private:
    // `text` without its "\n"; a trailing "\r" belongs to the ending.
    io_result<void> take_line(std::span<const std::byte> text, std::string& line) const {
        if (!text.empty() && text.back() == std::byte{'\r'}) text = text.first(text.size() - 1);
        if (text.size() > max_) return make_error_code(io_errc::line_too_long);
        line.assign(reinterpret_cast<const char*>(text.data()), text.size());
        return {};
    }

    std::size_t max_;
    std::size_t scanned_ = 0;
};

}  // namespace interop
