// redis::subscription: the messages of subscribed channels, as an async iterator.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "interop/io_result.hpp"
#include "interop/net/tcp_stream.hpp"
#include "interop/task.hpp"
#include "redis/resp.hpp"

namespace redis {

/// A message published to a channel.
struct message {
    std::string channel;
    std::string payload;
    friend bool operator==(const message&, const message&) = default;
};

/// A connection in subscribed mode, where RESP2 allows no other command: an async
/// iterator of the messages of its channels, in the order the server sent them.
///
///     auto subscribing = client.subscribe({"news"});
///     auto sub = co_await std::move(subscribing);
///     for (;;) {
///         auto next = sub->next();
///         auto m = co_await std::move(next);
///         if (!m) break;
///         use(m->channel, m->payload);
///     }
///
/// next() ends (std::nullopt) when the server closes the connection, on an error,
/// when a next() is cancelled, and after unsubscribe() once the server confirmed it;
/// error() then says why (empty after unsubscribe). Destroying the subscription
/// closes its connection, which ends the subscription on the server too. One next()
/// at a time; unsubscribe() may be called while a next() waits.
class subscription {
public:
    using value_type = message;

    /// Subscribes `stream` to `channels` and waits for the server's confirmation.
    static interop::task<interop::io_result<subscription>> open(interop::tcp_stream stream,
                                                                std::vector<std::string> channels);

    subscription(subscription&&) noexcept = default;
    subscription& operator=(subscription&&) noexcept = default;
    ~subscription() = default;

    interop::task<std::optional<message>> next();
    /// Sends UNSUBSCRIBE for every channel: next() ends once the server confirms.
    interop::task<interop::io_result<void>> unsubscribe();

    /// The channels subscribed to, as the server counts them.
    std::size_t channel_count() const noexcept { return state_->subscribed; }
    /// Why next() ended: empty while it runs and after an unsubscribe.
    std::error_code error() const noexcept { return state_->failure; }

private:
    struct state {
        interop::tcp_stream stream;
        reply_parser parser;
        std::string pending;  // read, not yet parsed
        std::size_t subscribed = 0;
        bool ended = false;
        std::error_code failure;
    };

    explicit subscription(std::unique_ptr<state> st) : state_(std::move(st)) {}
    // The next push from the server: a message or a (un)subscribe confirmation.
    interop::task<interop::io_result<value>> read_push();

    std::unique_ptr<state> state_;
};

}  // namespace redis
