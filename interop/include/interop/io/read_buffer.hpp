/// \file
/// read_buffer: the bytes a connection has read and not yet used, for a protocol
/// parser that works on what is buffered (a request, a pipelined batch of them).
///
///     interop::read_buffer in;
///     auto n = co_await stream.read(in.space(4096));   // room for at least 4096 more
///     if (n && *n > 0) in.commit(*n);
///     std::string_view unread = in.data();             // parse from here
///     in.consume(parsed);                               // drop what was used
///
/// Consumed bytes are dropped by moving the rest to the front when room is needed,
/// and the storage grows (doubling) only when the unread bytes and the room asked for
/// do not fit, so a connection's messages, pipelined or not, reuse one allocation.
/// A parser that must bound what it buffers checks size() itself.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace interop {

/// A contiguous buffer of received bytes: data() is what has not been consumed,
/// space() is where the next read goes.
class read_buffer {
public:
    explicit read_buffer(std::size_t capacity = 4096)
        : capacity_(std::max<std::size_t>(capacity, 1)),
          bytes_(std::make_unique_for_overwrite<char[]>(capacity_)) {}

    std::string_view data() const noexcept { return {bytes_.get() + begin_, end_ - begin_}; }
    std::size_t size() const noexcept { return end_ - begin_; }
    bool empty() const noexcept { return begin_ == end_; }
    std::size_t capacity() const noexcept { return capacity_; }

    /// Drops the first n unread bytes (n <= size()).
    void consume(std::size_t n) noexcept {
        begin_ += std::min(n, size());
        if (begin_ == end_) begin_ = end_ = 0;
    }

    /// Room for at least `at_least` more bytes after data(), moving or growing the
    /// buffer when needed; give it back with commit(n).
    std::span<std::byte> space(std::size_t at_least) {
        if (capacity_ - end_ < at_least) {
            const std::size_t held = size();
            if (capacity_ - held >= at_least && begin_ > 0) {
                std::memmove(bytes_.get(), bytes_.get() + begin_, held);
            } else {
                std::size_t grown = capacity_ * 2;
                while (grown - held < at_least) grown *= 2;
                auto bigger = std::make_unique_for_overwrite<char[]>(grown);
                std::memcpy(bigger.get(), bytes_.get() + begin_, held);
                bytes_ = std::move(bigger);
                capacity_ = grown;
            }
            begin_ = 0;
            end_ = held;
        }
        return std::as_writable_bytes(std::span(bytes_.get() + end_, capacity_ - end_));
    }
    /// Adds the n bytes a read put at the start of space().
    void commit(std::size_t n) noexcept { end_ += std::min(n, capacity_ - end_); }

private:
    std::size_t capacity_;
    std::unique_ptr<char[]> bytes_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

}  // namespace interop
