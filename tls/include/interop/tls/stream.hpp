/// \file
/// tls::stream<S>: TLS over any byte stream S that models AsyncRead and AsyncWrite
/// (a tcp_stream, a unix_stream, a duplex_stream, another tls::stream), as a client or
/// a server; it models AsyncRead, AsyncWrite, AsyncShutdown and AsyncClose again, so
/// every byte-stream helper runs over it unchanged.
///
///     auto ctx = interop::tls::context::client();
///     auto tcp = co_await interop::tcp_stream::connect(server);
///     auto tls = co_await interop::tls::connect(ctx, std::move(*tcp), "example.com");
///     if (!tls) ...  // tls.error(): e.g. tls::errc::hostname_mismatch
///     co_await interop::write_all(*tls, request);
///
///     auto tls = co_await interop::tls::accept(server_ctx, std::move(accepted));
///
/// S is a reference type to borrow the inner stream, a value type to own it; connect()
/// and accept() own it. The handshake runs on the first read or write, or at once with
/// handshake() (which connect() and accept() await).
///
/// Reads: read() returns the plaintext of the records received, 0 once the peer sent
/// close_notify, and errc::truncated when the inner stream ends without it (a peer
/// that cannot be told apart from an attacker cutting the connection short).
///
/// Writes: write() encrypts up to 64 KiB of its data into records and writes them to S
/// before it returns. shutdown_write() sends close_notify (then ends S's writing
/// direction when S has one); close() sends close_notify unless it was sent, then
/// closes S when S can be closed. The peer's close_notify is not awaited: read to the
/// end of stream first for that. After close(), every read and write fails with
/// bad_file_descriptor; a second close() does nothing.
///
/// Cancellation leaves the stream usable:
/// - A cancelled read loses no plaintext: plaintext leaves the engine only when a read
///   returns it, and ciphertext already read from S stays buffered for the next read.
/// - A write cancelled before it encrypted anything returns operation_canceled and
///   took nothing. Once its data is encrypted, it returns the count even when sending
///   the records was cancelled: the records not yet sent go out first on the next
///   write, shutdown_write() or close(), so the record stream stays intact and no byte
///   is sent twice or lost.
/// - A cancelled handshake goes on where it stopped when it is awaited again.
///
/// One read and one write may run at once, also on different threads of one runtime;
/// not two reads or two writes. A failed handshake or a protocol error is final: every
/// later operation returns the same error, and last_error_text() has OpenSSL's reason.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "interop/concepts.hpp"
#include "interop/io/detail/held.hpp"
#include "interop/io/shutdown.hpp"
#include "interop/io_result.hpp"
#include "interop/sync/mutex.hpp"
#include "interop/task.hpp"
#include "interop/tls/context.hpp"
#include "interop/tls/detail/engine.hpp"
#include "interop/tls/errors.hpp"

namespace interop::tls {

/// The most plaintext one write() encrypts: four full records.
inline constexpr std::size_t max_write_size = 64 * 1024;

template <typename S>
    requires AsyncRead<std::remove_reference_t<S>> && AsyncWrite<std::remove_reference_t<S>>
class stream {
public:
    using inner_type = std::remove_reference_t<S>;

    /// A TLS stream over `inner`, on the side ctx.side(). A client checks the server's
    /// certificate against `server_name` (a host name, sent as SNI too, or an IP
    /// address); a client context that verifies needs one (errc::missing_server_name
    /// from the handshake otherwise). A server ignores it.
    stream(std::type_identity_t<S> inner, const context& ctx, std::string_view server_name = {})
        : inner_(std::forward<S>(inner)),
          state_(std::make_unique<shared_state>(share(ctx), server_name)) {}

    inner_type& inner() noexcept { return inner_.get(); }

    /// Runs the handshake, if it has not run yet: the certificate checks, SNI, ALPN.
    task<io_result<void>> handshake() {
        shared_state& st = *state_;
        auto locked = co_await st.handshake_lock.lock();
        if (!locked) co_return locked.error();
        if (st.handshaken.load(std::memory_order_acquire)) co_return io_result<void>{};
        for (;;) {
            detail::outcome step;
            {
                std::lock_guard guard(st.engine_lock);
                step = st.engine.handshake();
            }
            io_result<void> sent = co_await flush();  // this step's messages, or an alert
            if (step.state == detail::progress::done) {
                if (!sent) co_return sent;
                st.handshaken.store(true, std::memory_order_release);
                co_return io_result<void>{};
            }
            if (step.state != detail::progress::want_input) co_return step.error;
            if (!sent) co_return sent;
            io_result<void> received = co_await receive();
            if (!received) co_return received;
        }
    }

    task<io_result<std::size_t>> read(std::span<std::byte> out) {
        shared_state& st = *state_;
        if (st.closed.load(std::memory_order_acquire))
            co_return std::make_error_code(std::errc::bad_file_descriptor);
        if (out.empty()) co_return std::size_t{0};
        if (!st.handshaken.load(std::memory_order_acquire)) {
            io_result<void> shaken = co_await handshake();
            if (!shaken) co_return shaken.error();
        }
        for (;;) {
            detail::outcome step;
            bool reply = false;
            {
                std::lock_guard guard(st.engine_lock);
                step = st.engine.read(out);
                reply = st.engine.has_output();
            }
            if (reply) {
                // A record asked for an answer (a key update), or the engine failed and
                // tells the peer with an alert: sent before more is read. Failing to send
                // matters only to a read that must go on.
                io_result<void> sent = co_await flush();
                if (!sent && step.state == detail::progress::want_input) co_return sent.error();
            }
            switch (step.state) {
                case detail::progress::done:
                    co_return step.bytes;
                case detail::progress::end_of_stream:
                    co_return std::size_t{0};
                case detail::progress::failed:
                    co_return step.error;
                case detail::progress::want_input:
                    break;
            }
            io_result<void> received = co_await receive();
            if (!received) co_return received.error();
        }
    }
    task<io_result<std::size_t>> read(std::span<char> out) {
        return read(std::as_writable_bytes(out));
    }

    task<io_result<std::size_t>> write(std::span<const std::byte> data) {
        shared_state& st = *state_;
        if (st.closed.load(std::memory_order_acquire))
            co_return std::make_error_code(std::errc::bad_file_descriptor);
        if (data.empty()) co_return std::size_t{0};
        if (!st.handshaken.load(std::memory_order_acquire)) {
            io_result<void> shaken = co_await handshake();
            if (!shaken) co_return shaken.error();
        }
        auto locked = co_await st.write_lock.lock();
        if (!locked) co_return locked.error();
        if (st.write_shut) co_return std::make_error_code(std::errc::broken_pipe);
        // Records an earlier, cancelled write left go first; nothing of `data` is taken
        // until they are out.
        io_result<void> earlier = co_await send_pending();
        if (!earlier) co_return earlier.error();
        detail::outcome step;
        {
            std::lock_guard guard(st.engine_lock);
            step = st.engine.write(data.first(std::min(data.size(), max_write_size)));
        }
        if (step.state != detail::progress::done) co_return step.error;
        io_result<void> sent = co_await send_pending();
        if (!sent && !sent.is(std::errc::operation_canceled)) co_return sent.error();
        co_return step.bytes;
    }
    task<io_result<std::size_t>> write(std::span<const char> data) {
        return write(std::as_bytes(data));
    }
    task<io_result<std::size_t>> write(std::string_view text) {
        return write(std::span<const char>(text.data(), text.size()));
    }

    /// Sends close_notify, then ends the inner stream's writing direction when it has
    /// one. Reading goes on. A second call does nothing.
    task<io_result<void>> shutdown_write() {
        shared_state& st = *state_;
        if (st.closed.load(std::memory_order_acquire))
            co_return std::make_error_code(std::errc::bad_file_descriptor);
        if (!st.handshaken.load(std::memory_order_acquire)) {
            io_result<void> shaken = co_await handshake();
            if (!shaken) co_return shaken;
        }
        io_result<void> notified = co_await send_close_notify();
        if (!notified) co_return notified;
        if constexpr (AsyncShutdown<inner_type>) {
            co_return co_await interop::shutdown_write(inner());
        } else {
            co_return notified;
        }
    }

    /// Sends close_notify (when the handshake finished and it was not sent), then
    /// closes the inner stream when it can be closed, also when sending failed (that
    /// error is reported first).
    task<io_result<void>> close() {
        shared_state& st = *state_;
        if (st.closed.exchange(true, std::memory_order_acq_rel)) co_return io_result<void>{};
        io_result<void> notified{};
        if (st.handshaken.load(std::memory_order_acquire)) notified = co_await send_close_notify();
        if constexpr (AsyncClose<inner_type>) {
            io_result<void> closed = co_await inner().close();
            if (!notified) co_return notified;
            co_return closed;
        } else {
            co_return notified;
        }
    }

    bool handshake_done() const noexcept {
        return state_->handshaken.load(std::memory_order_acquire);
    }
    /// The protocol ALPN settled on, empty when none.
    std::string_view alpn_protocol() const noexcept { return state_->engine.alpn_protocol(); }
    /// Server: the name the client asked for (SNI), empty when none.
    std::string_view server_name() const noexcept { return state_->engine.server_name(); }
    /// OpenSSL's reason for the last failure, for logs.
    std::string last_error_text() const {
        std::lock_guard guard(state_->engine_lock);
        return state_->engine.last_error_text();
    }
    /// OpenSSL's SSL object.
    ssl_st* native_handle() const noexcept { return state_->engine.native_handle(); }

private:
    struct shared_state {
        shared_state(std::shared_ptr<const context::state> settings, std::string_view name)
            : engine(std::move(settings), name) {}
        detail::engine engine;
        std::mutex engine_lock;          // a read and a write may run on two threads
        async_mutex handshake_lock;      // one handshake, whoever starts it
        async_mutex write_lock;          // one writer of ciphertext to S at a time
        std::vector<std::byte> sending;  // records being written to S (under write_lock)
        std::size_t sent = 0;
        std::atomic<bool> handshaken{false};
        bool write_shut = false;          // close_notify queued (under write_lock)
        std::atomic<bool> closed{false};  // read by a read or write on another thread
    };

    // Reads ciphertext from S into the engine's input buffer.
    task<io_result<void>> receive() {
        shared_state& st = *state_;
        std::span<std::byte> space;
        {
            std::lock_guard guard(st.engine_lock);
            space = st.engine.input_space();
        }
        io_result<std::size_t> n = co_await inner().read(space);
        if (!n) co_return n.error();
        std::lock_guard guard(st.engine_lock);
        if (*n == 0) {
            st.engine.input_end();
        } else {
            st.engine.input_commit(*n);
        }
        co_return io_result<void>{};
    }

    task<io_result<void>> flush() {
        auto locked = co_await state_->write_lock.lock();
        if (!locked) co_return locked.error();
        co_return co_await send_pending();
    }

    // Writes out what the engine produced, under write_lock. A cancelled call keeps
    // the rest for the next one.
    task<io_result<void>> send_pending() {
        shared_state& st = *state_;
        for (;;) {
            if (st.sent == st.sending.size()) {
                st.sent = 0;
                std::lock_guard guard(st.engine_lock);
                st.engine.take_output(st.sending);
                if (st.sending.empty()) co_return io_result<void>{};
            }
            std::span<const std::byte> rest(st.sending.data() + st.sent,
                                            st.sending.size() - st.sent);
            io_result<std::size_t> n = co_await inner().write(rest);
            if (!n) co_return n.error();
            st.sent += *n;
        }
    }

    task<io_result<void>> send_close_notify() {
        shared_state& st = *state_;
        auto locked = co_await st.write_lock.lock();
        if (!locked) co_return locked.error();
        if (!st.write_shut) {
            std::lock_guard guard(st.engine_lock);
            st.engine.close_notify();
            st.write_shut = true;
        }
        co_return co_await send_pending();
    }

    interop::detail::held<S> inner_;
    std::unique_ptr<shared_state> state_;
};

/// tls::stream s(std::move(tcp), ctx, name) owns tcp; tls::stream s(tcp, ctx, name) borrows it.
template <typename S>
stream(S&&, const context&) -> stream<S>;
template <typename S>
stream(S&&, const context&, std::string_view) -> stream<S>;

/// Connects as a client over `inner` (owned) and runs the handshake, checking the
/// server's certificate against `server_name`.
template <typename S>
    requires(!std::is_reference_v<S>)
task<io_result<stream<S>>> connect(context ctx, S inner, std::string server_name) {
    stream<S> s(std::move(inner), ctx, server_name);
    io_result<void> shaken = co_await s.handshake();
    if (!shaken) co_return shaken.error();
    co_return std::move(s);
}

/// Accepts as a server over `inner` (owned) and runs the handshake.
template <typename S>
    requires(!std::is_reference_v<S>)
task<io_result<stream<S>>> accept(context ctx, S inner) {
    stream<S> s(std::move(inner), ctx);
    io_result<void> shaken = co_await s.handshake();
    if (!shaken) co_return shaken.error();
    co_return std::move(s);
}

/// The server handshake as a callable: acceptor(ctx)(std::move(s)) is
/// accept(ctx, std::move(s)). What a server's accept loop takes to run each accepted
/// connection over TLS, in that connection's own task (the HTTP and Redis examples'
/// serve(..., upgrade)).
class acceptor {
public:
    explicit acceptor(context ctx) noexcept : ctx_(std::move(ctx)) {}
    template <typename S>
        requires(!std::is_reference_v<S>)
    task<io_result<stream<S>>>
    operator()(S inner) const { return accept(ctx_, std::move(inner)); }
    const context& settings() const noexcept { return ctx_; }

private:
    context ctx_;
};

}  // namespace interop::tls
