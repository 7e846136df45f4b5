// One read appended to a growable byte container (std::vector<std::byte> or
// std::string), for read_to_end and read_until.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop::detail {

template <typename B>
concept byte_container = std::same_as<B, std::vector<std::byte>> || std::same_as<B, std::string>;

// Reads are at most this large, so that zero-filling the spare room (resize does)
// never costs much more than the read itself.
inline constexpr std::size_t max_read_chunk = 64 * 1024;
inline constexpr std::size_t min_read_chunk = 4 * 1024;

// Makes sure `buf` has spare capacity for a read, doubling it when it runs low, and
// returns how much to read (at most `limit`).
template <byte_container B>
std::size_t spare_for_read(B& buf, std::size_t limit) {
    if (buf.capacity() - buf.size() < min_read_chunk) {
        buf.reserve(std::max(buf.capacity() * 2, buf.size() + 2 * min_read_chunk));
    }
    return std::min({buf.capacity() - buf.size(), max_read_chunk, limit});
}

// Reads once into `want` new bytes at the end of `buf`. Afterwards buf holds exactly
// what it held before plus what the read produced, also when the read fails, is
// cancelled or throws: the spare room is trimmed again in every case.
template <typename R, byte_container B>
task<io_result<std::size_t>> append_read(R& reader, B& buf, std::size_t want) {
    struct trim {
        B& buf;
        std::size_t keep;
        ~trim() { buf.resize(keep); }
    } guard{buf, buf.size()};
    const std::size_t old = buf.size();
    buf.resize(old + want);
    io_result<std::size_t> n =
        co_await reader.read(std::as_writable_bytes(std::span(buf.data() + old, want)));
    if (n) guard.keep = old + *n;
    co_return n;
}

}  // namespace interop::detail
