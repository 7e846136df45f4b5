// The read-ahead buffer of buffered_reader and framed: bytes [begin, end) of one
// contiguous allocation that is reused for the life of the owner.
//
// Readers append at the tail (prepare, then commit what a read produced) and take
// from the head (consume). Space is made by moving the unread bytes to the front
// before growing, and the storage only grows when a caller asks for more room
// than it has (a long line, a large frame), up to a limit the caller enforces.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

namespace interop::detail {

// a + b, or the largest size_t where that would overflow.
inline std::size_t saturating_add(std::size_t a, std::size_t b) noexcept {
    return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max()
                                                           : a + b;
}

class byte_buffer {
public:
    explicit byte_buffer(std::size_t capacity) : storage_(capacity) {}

    std::span<const std::byte> data() const noexcept {
        return {storage_.data() + begin_, end_ - begin_};
    }
    std::size_t size() const noexcept { return end_ - begin_; }
    bool empty() const noexcept { return begin_ == end_; }
    std::size_t capacity() const noexcept { return storage_.size(); }

    void consume(std::size_t n) noexcept {
        assert(n <= size());
        begin_ += std::min(n, size());
        if (begin_ == end_) begin_ = end_ = 0;  // an empty buffer starts over at the front
    }

    // Free space at the tail with room for at least `min_total` buffered bytes in
    // all (at least one free byte). Moves the unread bytes to the front first and
    // grows only when that is not enough.
    std::span<std::byte> prepare(std::size_t min_total) {
        min_total = std::max(min_total, size() + 1);
        if (storage_.size() - begin_ < min_total) {
            if (begin_ > 0) {
                std::memmove(storage_.data(), storage_.data() + begin_, size());
                end_ -= begin_;
                begin_ = 0;
            }
            if (storage_.size() < min_total) storage_.resize(min_total);
        }
        return {storage_.data() + end_, storage_.size() - end_};
    }
    void commit(std::size_t n) noexcept {
        assert(end_ + n <= storage_.size());
        end_ += n;
    }

private:
    std::vector<std::byte> storage_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

}  // namespace interop::detail
