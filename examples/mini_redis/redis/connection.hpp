// One client connection: requests read and executed in order, and the replies to all
// requests that arrived together written at once.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include "interop/channel/mpsc.hpp"
#include "interop/combinators.hpp"
#include "interop/io/read_buffer.hpp"
#include "interop/io/shutdown.hpp"
#include "interop/io/write_all.hpp"
#include "interop/scope.hpp"
#include "interop/task.hpp"
#include "interop/this_task.hpp"
#include "interop/time.hpp"
#include "interop/timeout.hpp"
#include "redis/engine.hpp"
#include "redis/reply.hpp"
#include "redis/request_parser.hpp"
#include "redis/server_options.hpp"

namespace redis {

namespace detail {

// How much a read asks for at least.
inline constexpr std::size_t read_size = 16 * 1024;

// A subscribed connection's messages wait in a channel until the connection's own
// task writes them, between its replies.
class mailbox final : public subscriber {
public:
    mailbox() {
        auto [tx, rx] = interop::mpsc::unbounded<std::string>();
        tx_.emplace(std::move(tx));
        rx_.emplace(std::move(rx));
    }
    void deliver(std::string_view message) override { (void)tx_->try_send(std::string(message)); }
    interop::mpsc::receiver<std::string>& inbox() noexcept { return *rx_; }

    // Appends the messages that have arrived to `out`.
    void drain_into(std::string& out) {
        while (std::optional<std::string> m = rx_->try_recv()) out += *m;
    }

private:
    std::optional<interop::mpsc::sender<std::string>> tx_;
    std::optional<interop::mpsc::receiver<std::string>> rx_;
};

enum class ending { closed, reply_then_close, linger_then_close };

// What the loop and the idle watchdog share.
struct activity {
    interop::time_point last;
    bool subscribed = false;
};

// Reads, executes and answers until the connection ends.
template <typename Stream>
interop::task<ending> exchange_loop(Stream& stream, engine& db, const server_options& opt,
                                    session& s, mailbox& box, activity& act,
                                    interop::runtime_ref rt) {
    interop::read_buffer in(read_size);
    request_parser parser(opt.limits);
    std::string out;
    const bool track_idle = opt.idle_timeout > interop::duration::zero();
    for (;;) {
        // Messages published before these requests are executed go out before their
        // replies, as in Redis.
        if (s.subscribed()) box.drain_into(out);
        // Every request that is all there, each reply after the previous one.
        ending end = ending::closed;
        bool stop = false;
        for (;;) {
            const parse_status st = parser.parse(in.data());
            if (st == parse_status::incomplete) break;
            if (st == parse_status::failed) {
                out += "-ERR ";
                out += parser.error();
                out += "\r\n";
                end = ending::linger_then_close;
                stop = true;
                break;
            }
            const std::span<const std::string_view> argv = parser.arguments();
            if (!argv.empty()) db.execute(s, argv, out);
            in.consume(parser.consumed());
            parser.reset();
            if (s.close_after_reply) {
                end = ending::reply_then_close;
                stop = true;
                break;
            }
        }
        if (!out.empty()) {
            auto written = co_await interop::write_all(stream, std::string_view(out));
            out.clear();
            if (!written) co_return ending::closed;
        }
        if (stop) co_return end;
        if (in.size() > opt.max_query_buffer) co_return ending::closed;

        act.subscribed = s.subscribed();
        const std::span<std::byte> space = in.space(read_size);
        interop::io_result<std::size_t> got{0};
        if (!s.subscribed()) {
            got = co_await stream.read(space);
        } else {
            // A message may come before the next request: wait for both. Not with
            // when_any, which would drop the bytes of a read that completed as the
            // message won: each result is kept, and both are used.
            got = std::make_error_code(std::errc::operation_canceled);
            std::optional<std::string> message;
            bool inbox_closed = false;
            co_await interop::with_scope([&](interop::scope& both) -> interop::task<void> {
                both.spawn([&]() -> interop::task<void> {
                    got = co_await stream.read(space);
                    both.cancel();
                });
                both.spawn([&]() -> interop::task<void> {
                    auto received = co_await box.inbox().recv();
                    if (received && *received) {
                        message = std::move(**received);
                    } else if (!received.is(std::errc::operation_canceled)) {
                        inbox_closed = true;
                    }
                    both.cancel();
                });
                co_return;
            });
            if (inbox_closed) co_return ending::closed;
            if (message) out += *message;
            if (got.is(std::errc::operation_canceled)) {
                if (message) continue;     // the message came first
                co_return ending::closed;  // the connection itself was cancelled
            }
        }
        if (!got || *got == 0) co_return ending::closed;
        in.commit(*got);
        if (track_idle) act.last = interop::now(rt);
    }
}

// Closes the connection once it has been idle for opt.idle_timeout.
inline interop::task<void> idle_watchdog(activity& act, const server_options& opt,
                                         interop::scope& connection, interop::runtime_ref rt) {
    for (;;) {
        const interop::time_point deadline = act.last + opt.idle_timeout;
        auto slept = co_await interop::sleep_until(deadline);
        if (!slept) co_return;  // the connection ended
        if (act.subscribed) {
            act.last = interop::now(rt);  // subscribers are never idle
            continue;
        }
        if (interop::now(rt) >= act.last + opt.idle_timeout) {
            connection.cancel();
            co_return;
        }
    }
}

// Reads and drops what the client still sends, until it closes.
template <typename Stream>
interop::task<void> drain(Stream& stream) {
    interop::read_buffer scratch(4096);
    for (;;) {
        auto got = co_await stream.read(scratch.space(4096));
        if (!got || *got == 0) co_return;
    }
}

}  // namespace detail

/// Serves one client with `db` until it quits, fails, idles too long or is
/// cancelled. `db` and `opt` must outlive the call.
template <typename Stream>
interop::task<void> serve_client(Stream stream, engine& db, const server_options& opt) {
    const interop::task_context* ctx = co_await interop::current_context();
    const interop::runtime_ref rt = ctx->runtime;
    detail::mailbox box;
    session s;
    s.sink = &box;
    db.connect(s);
    detail::activity act;
    act.last = interop::now(rt);
    detail::ending end = detail::ending::closed;
    if (opt.idle_timeout > interop::duration::zero()) {
        co_await interop::with_scope([&](interop::scope& scope) -> interop::task<void> {
            scope.spawn(detail::idle_watchdog(act, opt, scope, rt));
            end = co_await detail::exchange_loop(stream, db, opt, s, box, act, rt);
            scope.cancel();  // the watchdog
        });
    } else {
        end = co_await detail::exchange_loop(stream, db, opt, s, box, act, rt);
    }
    db.disconnect(s);
    if (end == detail::ending::linger_then_close) {
        // Closing with unread bytes would reset the connection, and the client could
        // lose the error: end the writing side, then read what still comes, a while.
        auto shut = interop::shutdown_write(stream);
        (void)co_await std::move(shut);
        auto rest = detail::drain(stream);
        (void)co_await interop::timeout(opt.linger, std::move(rest));
    }
    // Closing a TLS stream sends close_notify, which waits while the client reads
    // nothing: bounded like the goodbye above.
    auto closing = stream.close();
    (void)co_await interop::timeout(opt.linger, std::move(closing));
}

}  // namespace redis
