// What a connected TCP stream and a Unix stream share: a socket of a runtime that
// reads, writes, shuts down its sending side and closes, with the rules of
// net/tcp_stream.hpp. Each stream type adds how it is made and its addresses.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "interop/detail/held_socket.hpp"
#include "interop/detail/ready_result.hpp"
#include "interop/detail/stream_io.hpp"
#include "interop/detail/stream_write_all.hpp"
#include "interop/io_result.hpp"
#include "interop/runtime/interface.hpp"

namespace interop::detail {

class stream_socket {
public:
    stream_socket() noexcept = default;
    /// Takes over a stream socket of `rt` (what accept and connect do).
    stream_socket(runtime_ref rt, socket_handle s) noexcept
        : rt_(rt), socket_(s), lifetime_(adopt_socket(rt, s)) {}
    stream_socket(stream_socket&& other) noexcept
        : rt_(other.rt_),
          socket_(std::exchange(other.socket_, nullptr)),
          lifetime_(other.lifetime_) {}
    stream_socket& operator=(stream_socket&& other) noexcept {
        if (this != &other) {
            release();
            rt_ = other.rt_;
            socket_ = std::exchange(other.socket_, nullptr);
            lifetime_ = other.lifetime_;
        }
        return *this;
    }
    ~stream_socket() { release(); }

    [[nodiscard]] stream_read read(std::span<std::byte> buffer) noexcept {
        return io<op_kind::read>(buffer.data(), buffer.size());
    }
    [[nodiscard]] stream_read read(std::span<char> buffer) noexcept {
        return read(std::as_writable_bytes(buffer));
    }
    [[nodiscard]] stream_write write(std::span<const std::byte> buffer) noexcept {
        // The adapter only reads through the pointer of a write.
        return io<op_kind::write>(const_cast<std::byte*>(buffer.data()), buffer.size());
    }
    [[nodiscard]] stream_write write(std::span<const char> buffer) noexcept {
        return write(std::as_bytes(buffer));
    }
    [[nodiscard]] stream_write write(std::string_view text) noexcept {
        return write(std::span<const char>(text.data(), text.size()));
    }

    /// Writes every byte of `data`; interop::write_all(stream, data) comes here. Costs
    /// no coroutine frame when the first write takes everything (see
    /// detail/stream_write_all.hpp); behaves as the generic write_all otherwise.
    [[nodiscard]] stream_write_all write_all(std::span<const std::byte> data) noexcept {
        return stream_write_all{rt_, socket_, data,
                                usable() ? std::errc{} : std::errc::bad_file_descriptor};
    }

    /// Sends FIN: the peer reads end of stream; reading from it still works.
    io_result<void> shutdown_write() noexcept;
    /// Releases the socket; pending operations complete with operation_canceled.
    [[nodiscard]] ready_result<void> close() noexcept;

    /// Open, on a runtime that still exists.
    bool is_open() const noexcept { return usable(); }
    runtime_ref runtime() const noexcept { return rt_; }

protected:
    bool usable() const noexcept { return socket_ != nullptr && lifetime_.alive(); }
    socket_handle handle() const noexcept { return socket_; }

private:
    template <op_kind Direction>
    stream_io<Direction> io(std::byte* data, std::size_t size) noexcept {
        std::errc precheck{};
        if (!usable()) {
            precheck = std::errc::bad_file_descriptor;
        } else if (Direction == op_kind::read && size == 0) {
            precheck = std::errc::invalid_argument;  // 0 is reserved for end of stream
        }
        return stream_io<Direction>{rt_, socket_, data, size, precheck};
    }
    void release() noexcept;

    runtime_ref rt_{};
    socket_handle socket_ = nullptr;
    runtime_lifetime lifetime_;  // whether rt_ still exists
};

}  // namespace interop::detail
