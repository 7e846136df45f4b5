/// \file
/// split(stream): a read half and a write half of one stream, to be used from two
/// tasks at once (one reading, one writing).
///
///     auto [rd, wr] = interop::split(stream);              // borrow: stream outlives both
///     auto [rd, wr] = interop::split_owned(std::move(stream));  // the halves own it together
///
/// The halves model AsyncRead and AsyncWrite and simply forward to the stream: a
/// stream that allows one read and one write pending at once (tcp_stream,
/// duplex_stream) needs no lock. Each half is for one task at a time, as the
/// stream's own directions are. Cancellation behaves exactly as on the stream.
///
/// Owned halves share the stream; it is closed when the last half is destroyed.
/// Destroying the owned write half also shuts down the write direction when the
/// stream's shutdown_write() is synchronous (tcp_stream, duplex_stream), so the peer
/// reads end of stream once the writer is done, as with tokio's OwnedWriteHalf.
/// reunite(rd, wr) gives the stream back when both halves came from the same split.
#pragma once

#include <concepts>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "interop/concepts.hpp"
#include "interop/io_result.hpp"

namespace interop {

template <typename S>
class owned_read_half;
template <typename S>
class owned_write_half;
template <typename S>
std::optional<S> reunite(owned_read_half<S>& reader, owned_write_half<S>& writer);

/// The read half of a borrowed stream (split).
template <typename S>
class read_half {
public:
    explicit read_half(S& stream) noexcept : stream_(&stream) {}
    auto read(std::span<std::byte> buffer) { return stream_->read(buffer); }
    S& stream() const noexcept { return *stream_; }

private:
    S* stream_;
};

/// The write half of a borrowed stream (split).
template <typename S>
class write_half {
public:
    explicit write_half(S& stream) noexcept : stream_(&stream) {}
    auto write(std::span<const std::byte> data) { return stream_->write(data); }
    auto shutdown_write() requires requires(S& s) { s.shutdown_write(); }
    { return stream_->shutdown_write(); }
    S& stream() const noexcept { return *stream_; }

private:
    S* stream_;
};

/// The two halves split() returns.
template <typename S>
struct split_halves {
    read_half<S> reader;
    write_half<S> writer;
};

/// A read half and a write half of `stream`, which must outlive both.
template <typename S>
    requires AsyncRead<S> && AsyncWrite<S> split_halves<S> split(S& stream)
noexcept { return {read_half<S>(stream), write_half<S>(stream)}; }

/// The read half of a stream the halves own together (split_owned).
template <typename S>
class owned_read_half {
public:
    explicit owned_read_half(std::shared_ptr<S> stream) noexcept : stream_(std::move(stream)) {}
    owned_read_half(owned_read_half&&) noexcept = default;
    owned_read_half& operator=(owned_read_half&&) noexcept = default;

    auto read(std::span<std::byte> buffer) { return stream_->read(buffer); }
    S& stream() const noexcept { return *stream_; }

private:
    friend std::optional<S> reunite<S>(owned_read_half<S>&, owned_write_half<S>&);
    std::shared_ptr<S> stream_;
};

/// The write half of a stream the halves own together (split_owned).
template <typename S>
class owned_write_half {
public:
    explicit owned_write_half(std::shared_ptr<S> stream) noexcept : stream_(std::move(stream)) {}
    owned_write_half(owned_write_half&&) noexcept = default;
    owned_write_half& operator=(owned_write_half other) noexcept {
        std::swap(stream_, other.stream_);
        return *this;
    }
    ~owned_write_half() {
        if constexpr (std::same_as<decltype(std::declval<S&>().shutdown_write()),
                                   io_result<void>>) {
            if (stream_) (void)stream_->shutdown_write();
        }
    }

    auto write(std::span<const std::byte> data) { return stream_->write(data); }
    auto shutdown_write() requires requires(S& s) { s.shutdown_write(); }
    { return stream_->shutdown_write(); }
    S& stream() const noexcept { return *stream_; }

private:
    friend std::optional<S> reunite<S>(owned_read_half<S>&, owned_write_half<S>&);
    std::shared_ptr<S> stream_;
};

/// The two halves split_owned() returns.
template <typename S>
struct owned_split_halves {
    owned_read_half<S> reader;
    owned_write_half<S> writer;
};

/// A read half and a write half that own `stream` together.
template <typename S>
    requires AsyncRead<S> && AsyncWrite<S> &&
        (!std::is_reference_v<S>)owned_split_halves<S> split_owned(S&& stream) {
        auto shared = std::make_shared<S>(std::forward<S>(stream));
        return {owned_read_half<S>(shared), owned_write_half<S>(shared)};
    }

    /// The stream back from its two halves, which are left empty; std::nullopt (and the
    /// halves untouched) when they do not belong to the same stream.
    template <typename S>
    std::optional<S> reunite(owned_read_half<S>& reader, owned_write_half<S>& writer) {
        if (!reader.stream_ || reader.stream_ != writer.stream_) return std::nullopt;
        std::optional<S> stream(std::move(*reader.stream_));
        reader.stream_.reset();
        writer.stream_.reset();
        return stream;
    }

}  // namespace interop
