/// \file
/// duplex(capacity): a connected pair of in-memory byte streams, like a socket pair.
///
///     auto [a, b] = interop::duplex(64 * 1024);
///     co_await interop::write_all(a, bytes);   // ... read from b, and the other way round
///
/// - Each direction has a buffer of `capacity` bytes. A write takes what fits and
///   reports how many bytes that was; it waits only while the buffer is full, until
///   the peer reads (back-pressure). A read takes what is there, waiting while the
///   buffer is empty. Bytes arrive in order, each exactly once.
/// - shutdown_write(): the peer reads what is buffered, then end of stream (0), as
///   after a TCP FIN; our reads go on. Writing afterwards is broken_pipe.
/// - close() (also the destructor) shuts our write direction down the same way and
///   drops what the peer wrote to us and we did not read: the peer's pending and
///   later writes fail with broken_pipe. Our own pending operations complete with
///   operation_canceled, later ones with bad_file_descriptor; closing twice is
///   harmless.
/// - An empty read buffer is invalid_argument (0 means end of stream); an empty
///   write completes with 0 at once. A moved-from or default-constructed stream
///   reports bad_file_descriptor.
/// - Models AsyncRead, AsyncWrite, AsyncClose and AsyncShutdown. One read and one
///   write may be pending at once, from two tasks; the ends may live on different
///   threads and runtimes: wake-ups are posted to the waiting task's own runtime.
///
/// Cancellation: a cancelled read consumes nothing (the bytes stay for the next
/// read); a cancelled write wrote nothing. If the other end had already handed
/// bytes over when the cancellation came, the real result is reported instead.
///
/// A stream must outlive the operations pending on it (as with tcp_stream).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "interop/detail/waiter_list.hpp"
#include "interop/io/detail/ready.hpp"
#include "interop/io_result.hpp"

namespace interop {

namespace detail {

// What a parked read or write offers; the other end fills in `done` or `error`
// under the pipe's mutex before it wakes the waiter.
struct duplex_slot {
    std::byte* data = nullptr;
    std::size_t size = 0;
    std::size_t done = 0;
    std::errc error{};
};

// One direction: written at one end, read at the other, through a ring buffer.
struct duplex_pipe {
    explicit duplex_pipe(std::size_t capacity) : ring(capacity) {}

    std::mutex mutex;
    std::vector<std::byte> ring;
    std::size_t head = 0;        // first unread byte
    std::size_t size = 0;        // unread bytes
    bool write_shut = false;     // no more writes; the reader sees end of stream once drained
    bool writer_closed = false;  // the writing end was closed
    bool reader_closed = false;  // the reading end was closed: writes fail, bytes are dropped
    interop::detail::waiter_list readers;  // parked only while the ring is empty
    interop::detail::waiter_list writers;  // parked only while the ring is full

    std::size_t space() const noexcept { return ring.size() - size; }

    std::size_t push(const std::byte* from, std::size_t n) noexcept {
        n = std::min(n, space());
        const std::size_t tail = (head + size) % ring.size();
        const std::size_t first = std::min(n, ring.size() - tail);
        std::memcpy(ring.data() + tail, from, first);
        std::memcpy(ring.data(), from + first, n - first);
        size += n;
        return n;
    }
    std::size_t pop(std::byte* to, std::size_t n) noexcept {
        n = std::min(n, size);
        const std::size_t first = std::min(n, ring.size() - head);
        std::memcpy(to, ring.data() + head, first);
        std::memcpy(to + first, ring.data(), n - first);
        head = (head + n) % ring.size();
        size -= n;
        if (size == 0) head = 0;
        return n;
    }

    static duplex_slot& slot_of(interop::detail::waiter_node* n) noexcept {
        return *static_cast<duplex_slot*>(n->payload);
    }

    // After bytes arrived: hand them to parked readers, oldest first.
    void feed_readers(interop::detail::waiter_list& woken) noexcept {
        while (size > 0 && !readers.empty()) {
            interop::detail::waiter_node* n = readers.front();
            duplex_slot& slot = slot_of(n);
            slot.done = pop(slot.data, slot.size);
            woken.push_back(settle(readers, n, interop::detail::wait_outcome::granted));
        }
    }
    // After room was made: take bytes from parked writers, oldest first. A writer
    // is done as soon as some of its bytes are in: a write reports a count.
    void drain_writers(interop::detail::waiter_list& woken) noexcept {
        while (space() > 0 && !writers.empty()) {
            interop::detail::waiter_node* n = writers.front();
            duplex_slot& slot = slot_of(n);
            slot.done = push(slot.data, slot.size);
            woken.push_back(settle(writers, n, interop::detail::wait_outcome::granted));
        }
    }
    // Parked readers of an empty pipe whose writer is gone: end of stream.
    void end_readers(interop::detail::waiter_list& woken) noexcept {
        while (!readers.empty()) {
            interop::detail::waiter_node* n = readers.front();
            slot_of(n).done = 0;
            woken.push_back(settle(readers, n, interop::detail::wait_outcome::granted));
        }
    }
    static void fail_all(interop::detail::waiter_list& list, std::errc error,
                         interop::detail::waiter_list& woken) noexcept {
        while (!list.empty()) {
            interop::detail::waiter_node* n = list.front();
            slot_of(n).error = error;
            woken.push_back(settle(list, n, interop::detail::wait_outcome::closed));
        }
    }
};

inline void resume_all(interop::detail::waiter_list& woken) noexcept {
    while (interop::detail::waiter_node* n = woken.pop_front()) n->resume_posted();
}

struct duplex_shared {
    explicit duplex_shared(std::size_t capacity) : first(capacity), second(capacity) {}
    duplex_pipe first;   // written by end 0, read by end 1
    duplex_pipe second;  // written by end 1, read by end 0
};

// Shared by the read and write awaitables: the parking protocol, the prechecks and
// the result. Holds no ownership (see docs/compilers.md on awaiters in co_await).
template <typename Derived>
class duplex_io : public interop::detail::parking_awaitable<Derived> {
public:
    duplex_io(duplex_pipe* pipe, std::byte* data, std::size_t size, std::errc precheck) noexcept
        : pipe_(pipe), precheck_(precheck) {
        slot_.data = data;
        slot_.size = size;
    }
    duplex_io(duplex_io&& other) noexcept
        : interop::detail::parking_awaitable<Derived>(std::move(other)),
          pipe_(other.pipe_),
          slot_(other.slot_),
          precheck_(other.precheck_) {}

    // Decided before it starts: bad input, a moved-from stream, an empty write.
    bool await_ready() const noexcept { return precheck_ != std::errc{} || slot_.size == 0; }
    std::mutex& mutex() noexcept { return pipe_->mutex; }

    io_result<std::size_t> await_resume() noexcept {
        if (precheck_ != std::errc{}) return precheck_;
        if (slot_.size == 0) return std::size_t{0};
        this->finish();
        resume_all(woken_);
        switch (this->node.outcome) {
            case interop::detail::wait_outcome::granted:
                return slot_.done;
            case interop::detail::wait_outcome::closed:
                return slot_.error;
            default:
                return std::errc::operation_canceled;
        }
    }

protected:
    bool complete(std::size_t n) noexcept {
        slot_.done = n;
        this->node.outcome = interop::detail::wait_outcome::granted;
        return true;
    }
    bool fail(std::errc e) noexcept {
        slot_.error = e;
        this->node.outcome = interop::detail::wait_outcome::closed;
        return true;
    }
    bool park() noexcept {
        this->node.payload = &slot_;
        return false;
    }

    duplex_pipe* pipe_;
    duplex_slot slot_;
    std::errc precheck_;
    interop::detail::waiter_list woken_;  // others to wake once we hold no lock
};

class duplex_read : public duplex_io<duplex_read> {
public:
    static constexpr const interop::detail::wait_kind* waits_on = &interop::detail::wait_read;
    using duplex_io::duplex_io;
    interop::detail::waiter_list& list() noexcept { return pipe_->readers; }
    bool try_now() noexcept {
        if (pipe_->reader_closed) return fail(std::errc::bad_file_descriptor);
        if (pipe_->size > 0) {
            const std::size_t n = pipe_->pop(slot_.data, slot_.size);
            pipe_->drain_writers(woken_);
            return complete(n);
        }
        if (pipe_->write_shut) return complete(0);
        return park();
    }
};

class duplex_write : public duplex_io<duplex_write> {
public:
    static constexpr const interop::detail::wait_kind* waits_on = &interop::detail::wait_write;
    using duplex_io::duplex_io;
    interop::detail::waiter_list& list() noexcept { return pipe_->writers; }
    bool try_now() noexcept {
        if (pipe_->writer_closed) return fail(std::errc::bad_file_descriptor);
        if (pipe_->write_shut || pipe_->reader_closed) return fail(std::errc::broken_pipe);
        // Behind a parked writer we wait our turn, so bytes keep their order.
        if (pipe_->writers.empty() && pipe_->space() > 0) {
            const std::size_t n = pipe_->push(slot_.data, slot_.size);
            pipe_->feed_readers(woken_);
            return complete(n);
        }
        return park();
    }
};

}  // namespace detail

/// One end of an in-memory byte stream pair made by duplex().
class duplex_stream {
public:
    duplex_stream() noexcept = default;
    duplex_stream(duplex_stream&& other) noexcept
        : shared_(std::move(other.shared_)), end_(other.end_) {}
    duplex_stream& operator=(duplex_stream&& other) noexcept {
        if (this != &other) {
            release();
            shared_ = std::move(other.shared_);
            end_ = other.end_;
        }
        return *this;
    }
    ~duplex_stream() { release(); }

    [[nodiscard]] detail::duplex_read read(std::span<std::byte> buffer) noexcept {
        std::errc precheck{};
        if (!shared_) {
            precheck = std::errc::bad_file_descriptor;
        } else if (buffer.empty()) {
            precheck = std::errc::invalid_argument;  // 0 is reserved for end of stream
        }
        return {incoming(), buffer.data(), buffer.size(), precheck};
    }
    [[nodiscard]] detail::duplex_read read(std::span<char> buffer) noexcept {
        return read(std::as_writable_bytes(buffer));
    }
    [[nodiscard]] detail::duplex_write write(std::span<const std::byte> data) noexcept {
        const std::errc precheck = shared_ ? std::errc{} : std::errc::bad_file_descriptor;
        // The reader only copies out of the buffer of a write.
        return {outgoing(), const_cast<std::byte*>(data.data()), data.size(), precheck};
    }
    [[nodiscard]] detail::duplex_write write(std::span<const char> data) noexcept {
        return write(std::as_bytes(data));
    }
    [[nodiscard]] detail::duplex_write write(std::string_view text) noexcept {
        return write(std::span<const char>(text.data(), text.size()));
    }

    /// The peer reads what is buffered, then end of stream; reading here goes on.
    io_result<void> shutdown_write() noexcept {
        if (!shared_) return std::errc::bad_file_descriptor;
        interop::detail::waiter_list woken;
        {
            detail::duplex_pipe& out = *outgoing();
            std::lock_guard lock(out.mutex);
            if (out.writer_closed) return std::errc::bad_file_descriptor;
            out.write_shut = true;
            detail::duplex_pipe::fail_all(out.writers, std::errc::broken_pipe, woken);
            if (out.size == 0) out.end_readers(woken);
        }
        detail::resume_all(woken);
        return {};
    }

    /// Shuts the write direction down and stops reading; see the top of this file.
    [[nodiscard]] detail::ready<void> close() noexcept {
        release();
        return {io_result<void>{}};
    }

    /// False once closed (and for a moved-from or default-constructed stream).
    bool is_open() const noexcept {
        if (!shared_) return false;
        std::lock_guard lock(outgoing()->mutex);
        return !outgoing()->writer_closed;
    }

private:
    friend std::pair<duplex_stream, duplex_stream> duplex(std::size_t capacity);
    duplex_stream(std::shared_ptr<detail::duplex_shared> shared, int end) noexcept
        : shared_(std::move(shared)), end_(end) {}

    detail::duplex_pipe* outgoing() const noexcept {
        if (!shared_) return nullptr;
        return end_ == 0 ? &shared_->first : &shared_->second;
    }
    detail::duplex_pipe* incoming() const noexcept {
        if (!shared_) return nullptr;
        return end_ == 0 ? &shared_->second : &shared_->first;
    }

    // Closes this end. The shared state stays referenced until destruction, so an
    // operation that is just being woken never sees it freed.
    void release() noexcept {
        if (!shared_) return;
        interop::detail::waiter_list woken;
        {
            detail::duplex_pipe& out = *outgoing();
            std::lock_guard lock(out.mutex);
            if (out.writer_closed) return;  // closed before
            out.writer_closed = true;
            out.write_shut = true;
            detail::duplex_pipe::fail_all(out.writers, std::errc::operation_canceled, woken);
            if (out.size == 0) out.end_readers(woken);
        }
        {
            detail::duplex_pipe& in = *incoming();
            std::lock_guard lock(in.mutex);
            in.reader_closed = true;
            in.size = 0;
            in.head = 0;
            detail::duplex_pipe::fail_all(in.readers, std::errc::operation_canceled, woken);
            detail::duplex_pipe::fail_all(in.writers, std::errc::broken_pipe, woken);
        }
        detail::resume_all(woken);
    }

    std::shared_ptr<detail::duplex_shared> shared_;
    int end_ = 0;
};

/// A connected pair; `capacity` bytes of buffer per direction. A capacity of 0 is
/// rejected with std::invalid_argument: no byte could ever pass.
inline std::pair<duplex_stream, duplex_stream> duplex(std::size_t capacity) {
    if (capacity == 0) throw std::invalid_argument("interop::duplex: capacity must be at least 1");
    auto shared = std::make_shared<detail::duplex_shared>(capacity);
    return {duplex_stream(shared, 0), duplex_stream(std::move(shared), 1)};
}

}  // namespace interop
