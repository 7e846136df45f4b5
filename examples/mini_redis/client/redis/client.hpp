// redis::client: typed commands on a connection that comes back after it broke,
// every call under the service middleware (a timeout, and retries of connecting).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "interop/io_result.hpp"
#include "interop/net/tcp_stream.hpp"
#include "interop/service.hpp"
#include "interop/sync/mutex.hpp"
#include "interop/task.hpp"
#include "redis/command.hpp"
#include "redis/connection.hpp"
#include "redis/errors.hpp"
#include "redis/result.hpp"
#include "redis/subscription.hpp"
#include "redis/value.hpp"

namespace redis {

/// Whether `ec` says that a connection could not be made, so that no command was
/// sent and trying again is safe: what the client's retry layer retries.
bool connect_error(std::error_code ec) noexcept;

struct client_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    /// A limit for making a connection.
    std::chrono::milliseconds connect_timeout{5000};
    /// A limit for each call, its connecting and retries included (the timeout
    /// layer). A blocking command (BLPOP) needs a longer one than it blocks.
    std::chrono::milliseconds command_timeout{30000};
    /// Back-off for connecting (the retry layer); only connect_error()s are retried,
    /// so a command is never sent twice.
    interop::retry_policy connect_retry{.max_attempts = 4,
                                        .first_backoff = std::chrono::milliseconds(50),
                                        .max_backoff = std::chrono::milliseconds(1000),
                                        .jitter = 0.2,
                                        .budget_burst = 10,
                                        .budget_ratio = 0.2,
                                        .retry_on = &connect_error};
};

/// SET's options: an expiry in seconds (ex) or milliseconds (px), and a condition.
struct set_options {
    std::optional<std::int64_t> ex{};
    std::optional<std::int64_t> px{};
    bool nx = false;  // only if the key does not exist
    bool xx = false;  // only if it exists
};

/// Makes a connection when there is none or the last one broke, and sends the
/// command on it: the innermost service of a client.
class reconnecting_service {
public:
    using response = value;
    explicit reconnecting_service(const client_options& options);

    interop::task<interop::io_result<void>> ready() { co_return interop::io_result<void>{}; }
    interop::task<interop::io_result<value>> call(command cmd);
    /// The connection, made now if needed.
    interop::task<interop::io_result<connection<interop::tcp_stream>>> current();
    /// Connections made so far.
    std::uint64_t connects() const;
    /// Whether a connection is open now (false before the first call, and once the
    /// connection broke).
    bool connected() const;

private:
    struct shared;
    std::shared_ptr<shared> shared_;
};

/// A tcp connection to `options.host`:`options.port`, within connect_timeout.
interop::task<interop::io_result<interop::tcp_stream>> connect_tcp(client_options options);

/// A client of one server. Calls from any number of tasks share one pipelined
/// connection; after it broke, the next call makes a new one. Every call goes through
///
///     interop::stack(reconnecting_service(options),
///                    interop::timeout_layer(options.command_timeout),
///                    interop::retry_layer(options.connect_retry))
///
/// so it is limited in time, and a refused connection is tried again with back-off.
/// Typed commands answer redis::result<T>: the value, or a failure with the server's
/// error text. The client must outlive its calls.
class client {
public:
    explicit client(client_options options = {});

    /// Any command; an error reply is a value (value::is_error()). The client is
    /// itself a service of commands.
    using response = value;
    interop::task<interop::io_result<void>> ready() { co_return interop::io_result<void>{}; }
    interop::task<interop::io_result<value>> call(command cmd);
    /// Any command, an error reply as a failure with its text.
    interop::task<result<value>> execute(command cmd);
    /// The commands in one write, their replies in order (error replies among them).
    interop::task<interop::io_result<std::vector<value>>> pipeline(std::vector<command> cmds);

    interop::task<result<std::string>> ping();
    interop::task<result<std::string>> echo(std::string message);
    interop::task<result<std::optional<std::string>>> get(std::string key);
    /// True when the value was set; false when NX or XX prevented it.
    interop::task<result<bool>> set(std::string key, std::string val, set_options opt = {});
    interop::task<result<std::int64_t>> del(std::vector<std::string> keys);
    interop::task<result<std::int64_t>> exists(std::vector<std::string> keys);
    interop::task<result<std::int64_t>> incr(std::string key);
    interop::task<result<std::int64_t>> decr(std::string key);
    /// True when the key exists and now expires.
    interop::task<result<bool>> expire(std::string key, std::int64_t seconds);
    /// Seconds to live; -1 without expiry, -2 when there is no such key.
    interop::task<result<std::int64_t>> ttl(std::string key);
    interop::task<result<std::vector<std::string>>> keys(std::string pattern);
    /// How many subscribers received the message.
    interop::task<result<std::int64_t>> publish(std::string channel, std::string message);

    /// A subscription on a connection of its own (see subscription).
    interop::task<result<subscription>> subscribe(std::vector<std::string> channels);

    /// Connections made so far, and whether one is open now.
    std::uint64_t connects() const { return connector_.connects(); }
    bool connected() const { return connector_.connected(); }
    const client_options& options() const noexcept { return options_; }

private:
    using service_type = interop::retry_service<interop::timeout_service<reconnecting_service>>;

    client_options options_;
    reconnecting_service connector_;  // a copy of the one inside service_: they share
    service_type service_;
};

}  // namespace redis
