// Bytes a socket received while no read was waiting for them.
//
// Reading stays enabled on a socket once its first read was asked for (stopping and
// restarting it around every read costs epoll_ctl calls). When bytes arrive and a read
// is pending they go straight into that read's buffer; otherwise libuv reads them into
// this stash, and the next read is served from here first. The buffer is allocated
// once, the first time it is needed, and kept for the life of the socket: a fresh
// buffer per message makes glibc grow and shrink the heap all the time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

#include <uv.h>

namespace interop::libuv_detail {

class read_stash {
public:
    static constexpr std::size_t capacity = 64 * 1024;  // what libuv suggests per read

    bool empty() const noexcept { return begin_ == end_; }
    bool full() const noexcept { return end_ - begin_ == capacity; }

    // Moves up to `size` stashed bytes to `out`; returns how many.
    std::size_t take(std::byte* out, std::size_t size) noexcept {
        const std::size_t n = std::min(size, end_ - begin_);
        std::memcpy(out, buffer_.get() + begin_, n);
        begin_ += n;
        if (begin_ == end_) begin_ = end_ = 0;
        return n;
    }

    // The free space for libuv to read into; empty when full (or out of memory), which
    // libuv reports to the read callback as UV_ENOBUFS.
    uv_buf_t space() noexcept {
        uv_buf_t buf{};
        if (!buffer_) buffer_.reset(new (std::nothrow) std::byte[capacity]);
        if (!buffer_) return buf;
        if (end_ == capacity && begin_ > 0) {  // slide what is left to the front
            std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        buf.base = reinterpret_cast<char*>(buffer_.get() + end_);
        buf.len = capacity - end_;
        return buf;
    }

    // libuv put `n` bytes into the space() it was given.
    void commit(std::size_t n) noexcept { end_ += n; }

private:
    std::unique_ptr<std::byte[]> buffer_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

}  // namespace interop::libuv_detail
