// redis::connection<Stream>: one connection to a server over any byte stream, as an
// interop::service of commands, with pipelining.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "interop/io/write_all.hpp"
#include "interop/io_result.hpp"
#include "interop/spawn.hpp"
#include "interop/sync/event.hpp"
#include "interop/task.hpp"
#include "redis/command.hpp"
#include "redis/errors.hpp"
#include "redis/resp.hpp"
#include "redis/value.hpp"

namespace redis {

namespace detail {

// Where the reply to one command lands.
struct reply_slot {
    interop::event done;
    std::optional<interop::io_result<value>> answer;  // under the state's mutex
    bool abandoned = false;                           // the caller went away: drop the reply
};

// What the callers, the writer task and the reader task of a connection share.
template <typename Stream>
struct connection_state {
    connection_state(Stream s, const parser_limits& limits)
        : stream(std::move(s)), parser(limits) {}

    Stream stream;
    std::mutex mutex;
    std::string out;                                   // encoded, not yet written
    std::deque<std::shared_ptr<reply_slot>> awaiting;  // sent or about to be, in order
    std::error_code broken;                            // set once: no more calls
    interop::event output;                             // the writer has work (or must stop)
    reply_parser parser;                               // the reader's alone

    // Ends the connection: every call waiting for a reply gets `ec`.
    void fail(std::error_code ec) {
        std::deque<std::shared_ptr<reply_slot>> woken;
        {
            const std::lock_guard lock(mutex);
            if (broken) return;
            broken = ec;
            woken.swap(awaiting);
            for (auto& slot : woken) slot->answer = interop::io_result<value>(ec);
        }
        for (auto& slot : woken) slot->done.set();
        output.set();
    }
};

// Writes what callers queued, batching every command queued since the last write
// into one write. A task of its own, so that a caller's cancellation never cuts a
// command in half.
template <typename Stream>
interop::task<void> write_loop(std::shared_ptr<connection_state<Stream>> st) {
    std::string chunk;
    for (;;) {
        if (!co_await st->output.wait()) co_return;  // cancelled: the connection is dropped
        {
            const std::lock_guard lock(st->mutex);
            if (st->broken) co_return;
            st->output.reset();
            chunk.swap(st->out);
        }
        if (chunk.empty()) continue;
        auto written = interop::write_all(st->stream, std::string_view(chunk));
        auto done = co_await std::move(written);
        if (!done) {
            st->fail(done.error());
            co_return;
        }
        chunk.clear();
    }
}

// Reads replies and hands each to the oldest call still waiting: Redis answers in
// the order of the commands. A reply whose caller went away is read and dropped.
template <typename Stream>
interop::task<void> read_loop(std::shared_ptr<connection_state<Stream>> st) {
    std::vector<char> buffer(16 * 1024);
    for (;;) {
        auto got = co_await st->stream.read(std::span<char>(buffer));
        if (!got) {
            st->fail(got.error());
            co_return;
        }
        if (*got == 0) {
            st->fail(make_error_code(errc::connection_closed));
            co_return;
        }
        std::string_view data(buffer.data(), *got);
        while (!data.empty()) {
            const reply_parser::result r = st->parser.feed(data);
            data.remove_prefix(r.consumed);
            if (r.status == parse_status::failed) {
                st->fail(make_error_code(errc::protocol_error));
                co_return;
            }
            if (r.status == parse_status::incomplete) break;
            std::shared_ptr<reply_slot> slot;
            bool dropped = false;
            {
                const std::lock_guard lock(st->mutex);
                if (!st->awaiting.empty()) {
                    slot = std::move(st->awaiting.front());
                    st->awaiting.pop_front();
                    dropped = slot->abandoned;
                    if (!dropped) slot->answer = st->parser.take();
                }
            }
            if (!slot) {  // a reply nobody asked for
                st->fail(make_error_code(errc::protocol_error));
                co_return;
            }
            if (dropped) (void)st->parser.take();
            slot->done.set();
        }
    }
}

// The tasks of a connection, cancelled when the last copy of the connection goes.
template <typename Stream>
struct connection_owner {
    std::shared_ptr<connection_state<Stream>> state;
    interop::join_handle<void> reader;
    interop::join_handle<void> writer;
    connection_owner() = default;
    connection_owner(const connection_owner&) = delete;
    connection_owner& operator=(const connection_owner&) = delete;
    ~connection_owner() {
        reader.cancel();
        writer.cancel();
    }
};

}  // namespace detail

/// One connection to a Redis server. A service of `command` answering `value`: an
/// error reply is a value too (value::is_error()); the io_result carries I/O errors,
/// errc::connection_closed, errc::protocol_error and cancellation.
///
/// Pipelining: calls from any number of tasks may be in flight at once. Commands
/// queued while a write is under way go out together in the next write, and replies
/// are matched to calls in order. A call cancelled while it waits (a timeout, say)
/// leaves its command in the stream: its reply is read and dropped, so the calls
/// after it still get their own replies.
///
/// Once the connection fails (the server closed it, an I/O error, a protocol error)
/// every pending and later call answers that error; is_open() says false. Copies
/// share the connection; the last copy to go closes it. Open one with open().
template <typename Stream>
class connection {
public:
    using response = value;

    /// Starts the connection's reader and writer on the current runtime.
    static interop::task<connection> open(Stream stream, const parser_limits& limits = {}) {
        auto owner = std::make_shared<detail::connection_owner<Stream>>();
        owner->state =
            std::make_shared<detail::connection_state<Stream>>(std::move(stream), limits);
        auto reading = interop::spawn(detail::read_loop(owner->state));
        owner->reader = co_await std::move(reading);
        auto writing = interop::spawn(detail::write_loop(owner->state));
        owner->writer = co_await std::move(writing);
        co_return connection(std::move(owner));
    }

    /// Always ready: a call waits for nothing but the server.
    interop::task<interop::io_result<void>> ready() { co_return interop::io_result<void>{}; }

    /// Sends `cmd` and waits for its reply.
    interop::task<interop::io_result<value>> call(command cmd) {
        std::shared_ptr<detail::reply_slot> slot;
        if (auto queued = enqueue(&cmd, 1, &slot); !queued) co_return queued.error();
        auto waiting = wait_for(*slot);
        co_return co_await std::move(waiting);
    }

    /// Sends every command in one write and waits for all their replies, in order.
    /// Error replies are among the values; an I/O error fails the whole batch.
    interop::task<interop::io_result<std::vector<value>>> pipeline(std::vector<command> cmds) {
        std::vector<std::shared_ptr<detail::reply_slot>> slots(cmds.size());
        if (auto queued = enqueue(cmds.data(), cmds.size(), slots.data()); !queued) {
            co_return queued.error();
        }
        std::vector<value> replies;
        replies.reserve(slots.size());
        for (std::size_t i = 0; i < slots.size(); ++i) {
            auto waiting = wait_for(*slots[i]);
            interop::io_result<value> reply = co_await std::move(waiting);
            if (!reply) {
                abandon(slots, i + 1);
                co_return reply.error();
            }
            replies.push_back(std::move(*reply));
        }
        co_return replies;
    }

    /// False once the connection has failed: a new one is needed.
    bool is_open() const {
        const std::lock_guard lock(state().mutex);
        return !state().broken;
    }
    /// Why it failed (empty while open).
    std::error_code failure() const {
        const std::lock_guard lock(state().mutex);
        return state().broken;
    }
    /// Commands sent (or queued) whose replies have not arrived.
    std::size_t in_flight() const {
        const std::lock_guard lock(state().mutex);
        return state().awaiting.size();
    }

private:
    explicit connection(std::shared_ptr<detail::connection_owner<Stream>> owner)
        : owner_(std::move(owner)) {}

    detail::connection_state<Stream>& state() const { return *owner_->state; }

    // Queues `n` commands with a slot each, under one lock so that a batch stays
    // together in the stream, and wakes the writer.
    interop::io_result<void> enqueue(const command* cmds, std::size_t n,
                                     std::shared_ptr<detail::reply_slot>* slots) {
        detail::connection_state<Stream>& st = state();
        {
            const std::lock_guard lock(st.mutex);
            if (st.broken) return st.broken;
            for (std::size_t i = 0; i < n; ++i) {
                if (cmds[i].empty()) return std::errc::invalid_argument;
            }
            for (std::size_t i = 0; i < n; ++i) {
                encode_command(st.out, cmds[i]);
                slots[i] = std::make_shared<detail::reply_slot>();
                st.awaiting.push_back(slots[i]);
            }
        }
        st.output.set();
        return {};
    }

    // The reply in `slot`; on cancellation the slot is abandoned (the reader drops
    // its reply when it comes).
    interop::task<interop::io_result<value>> wait_for(detail::reply_slot& slot) {
        const interop::io_result<void> waited = co_await slot.done.wait();
        const std::lock_guard lock(state().mutex);
        if (slot.answer) co_return std::move(*slot.answer);
        slot.abandoned = true;
        co_return waited ? interop::io_result<value>(std::errc::operation_canceled)
                         : interop::io_result<value>(waited.error());
    }

    void abandon(std::vector<std::shared_ptr<detail::reply_slot>>& slots, std::size_t from) {
        const std::lock_guard lock(state().mutex);
        for (std::size_t i = from; i < slots.size(); ++i) {
            if (!slots[i]->answer) slots[i]->abandoned = true;
        }
    }

    std::shared_ptr<detail::connection_owner<Stream>> owner_;
};

}  // namespace redis
