#include "redis/client.hpp"

#include <mutex>
#include <utility>

#include "interop/resolve.hpp"
#include "interop/timeout.hpp"

namespace redis {

static_assert(interop::service<connection<interop::tcp_stream>, command>);
static_assert(interop::service<reconnecting_service, command>);
static_assert(interop::service<client, command>);

bool connect_error(std::error_code ec) noexcept {
    using std::errc;
    return ec == errc::connection_refused || ec == errc::network_unreachable ||
           ec == errc::host_unreachable;
}

interop::task<interop::io_result<interop::tcp_stream>> connect_tcp(client_options options) {
    auto found = co_await interop::resolve(options.host, options.port);
    if (!found) co_return found.error();
    std::error_code last = std::make_error_code(std::errc::host_unreachable);
    for (const interop::endpoint& e : *found) {
        auto connecting =
            interop::timeout(options.connect_timeout, interop::tcp_stream::connect(e));
        auto stream = co_await std::move(connecting);
        if (stream) co_return std::move(*stream);
        last = stream.error();
    }
    co_return last;
}

// reconnecting_service ---------------------------------------------------------------

struct reconnecting_service::shared {
    client_options options;
    mutable std::mutex mutex;  // guards conn and connects
    std::optional<connection<interop::tcp_stream>> conn;
    std::uint64_t connects = 0;
    interop::async_mutex connecting;  // one connect at a time; the others wait for it
};

reconnecting_service::reconnecting_service(const client_options& options)
    : shared_(std::make_shared<shared>()) {
    shared_->options = options;
}

std::uint64_t reconnecting_service::connects() const {
    const std::lock_guard lock(shared_->mutex);
    return shared_->connects;
}

bool reconnecting_service::connected() const {
    const std::lock_guard lock(shared_->mutex);
    return shared_->conn && shared_->conn->is_open();
}

interop::task<interop::io_result<connection<interop::tcp_stream>>> reconnecting_service::current() {
    shared& s = *shared_;
    {
        const std::lock_guard lock(s.mutex);
        if (s.conn && s.conn->is_open()) co_return *s.conn;
    }
    auto guard = co_await s.connecting.lock();
    if (!guard) co_return guard.error();
    {
        // Another caller may have connected while this one waited.
        const std::lock_guard lock(s.mutex);
        if (s.conn && s.conn->is_open()) co_return *s.conn;
    }
    auto connecting = connect_tcp(s.options);
    auto stream = co_await std::move(connecting);
    if (!stream) co_return stream.error();
    auto opening = connection<interop::tcp_stream>::open(std::move(*stream));
    connection<interop::tcp_stream> fresh = co_await std::move(opening);
    const std::lock_guard lock(s.mutex);
    s.conn = fresh;
    ++s.connects;
    co_return fresh;
}

interop::task<interop::io_result<value>> reconnecting_service::call(command cmd) {
    auto getting = current();
    auto conn = co_await std::move(getting);
    if (!conn) co_return conn.error();
    auto calling = conn->call(std::move(cmd));
    co_return co_await std::move(calling);
}

// client -----------------------------------------------------------------------------

namespace {

// The reply as T, or the failure it is: an error reply keeps its text.
template <typename T, typename Convert>
result<T> convert(interop::io_result<value> reply, Convert to) {
    if (!reply) return reply.error();
    if (reply->is_error()) return std::get<error_reply>(reply->get());
    std::optional<T> converted = to(*reply);
    if (!converted) return errc::unexpected_reply;
    return std::move(*converted);
}

std::optional<std::string> as_text(const value& v) {
    if (v.is_simple() || v.is_bulk()) return std::string(v.text());
    return std::nullopt;
}

std::optional<std::int64_t> as_integer(const value& v) { return v.integer(); }

std::optional<bool> as_flag(const value& v) {
    if (auto i = v.integer()) return *i != 0;
    return std::nullopt;
}

command with_keys(std::string_view name, std::vector<std::string>& keys) {
    command cmd(name);
    for (std::string& k : keys) cmd.arg(k);
    return cmd;
}

}  // namespace

client::client(client_options options)
    : options_(std::move(options)),
      connector_(options_),
      service_(interop::stack(connector_, interop::timeout_layer(options_.command_timeout),
                              interop::retry_layer(options_.connect_retry))) {}

interop::task<interop::io_result<value>> client::call(command cmd) {
    auto calling = service_.call(std::move(cmd));
    co_return co_await std::move(calling);
}

interop::task<result<value>> client::execute(command cmd) {
    auto calling = service_.call(std::move(cmd));
    auto reply = co_await std::move(calling);
    co_return convert<value>(std::move(reply), [](const value& v) { return std::optional(v); });
}

interop::task<interop::io_result<std::vector<value>>> client::pipeline(std::vector<command> cmds) {
    auto getting = connector_.current();
    auto conn = co_await std::move(getting);
    if (!conn) co_return conn.error();
    auto sending = conn->pipeline(std::move(cmds));
    auto limited = interop::timeout(options_.command_timeout, std::move(sending));
    co_return co_await std::move(limited);
}

interop::task<result<std::string>> client::ping() {
    auto calling = call(command("PING"));
    co_return convert<std::string>(co_await std::move(calling), as_text);
}

interop::task<result<std::string>> client::echo(std::string message) {
    auto calling = call(command("ECHO", message));
    co_return convert<std::string>(co_await std::move(calling), as_text);
}

interop::task<result<std::optional<std::string>>> client::get(std::string key) {
    auto calling = call(command("GET", key));
    co_return convert<std::optional<std::string>>(
        co_await std::move(calling),
        [](const value& v) -> std::optional<std::optional<std::string>> {
            if (v.is_nil()) return std::optional<std::string>();
            if (v.is_bulk()) return std::optional<std::string>(std::string(v.text()));
            return std::nullopt;
        });
}

interop::task<result<bool>> client::set(std::string key, std::string val, set_options opt) {
    command cmd("SET", key, val);
    if (opt.ex) cmd.arg("EX").arg(*opt.ex);
    if (opt.px) cmd.arg("PX").arg(*opt.px);
    if (opt.nx) cmd.arg("NX");
    if (opt.xx) cmd.arg("XX");
    auto calling = call(std::move(cmd));
    co_return convert<bool>(co_await std::move(calling), [](const value& v) -> std::optional<bool> {
        if (v.is_nil()) return false;  // NX or XX said no
        if (v.is_simple() && v.text() == "OK") return true;
        return std::nullopt;
    });
}

interop::task<result<std::int64_t>> client::del(std::vector<std::string> keys) {
    auto calling = call(with_keys("DEL", keys));
    co_return convert<std::int64_t>(co_await std::move(calling), as_integer);
}

interop::task<result<std::int64_t>> client::exists(std::vector<std::string> keys) {
    auto calling = call(with_keys("EXISTS", keys));
    co_return convert<std::int64_t>(co_await std::move(calling), as_integer);
}

interop::task<result<std::int64_t>> client::incr(std::string key) {
    auto calling = call(command("INCR", key));
    co_return convert<std::int64_t>(co_await std::move(calling), as_integer);
}

interop::task<result<std::int64_t>> client::decr(std::string key) {
    auto calling = call(command("DECR", key));
    co_return convert<std::int64_t>(co_await std::move(calling), as_integer);
}

interop::task<result<bool>> client::expire(std::string key, std::int64_t seconds) {
    auto calling = call(command("EXPIRE", key, seconds));
    co_return convert<bool>(co_await std::move(calling), as_flag);
}

interop::task<result<std::int64_t>> client::ttl(std::string key) {
    auto calling = call(command("TTL", key));
    co_return convert<std::int64_t>(co_await std::move(calling), as_integer);
}

interop::task<result<std::vector<std::string>>> client::keys(std::string pattern) {
    auto calling = call(command("KEYS", pattern));
    co_return convert<std::vector<std::string>>(
        co_await std::move(calling), [](const value& v) -> std::optional<std::vector<std::string>> {
            if (!v.is_array()) return std::nullopt;
            std::vector<std::string> names;
            for (const value& e : v.elements()) {
                if (!e.is_bulk()) return std::nullopt;
                names.emplace_back(e.text());
            }
            return names;
        });
}

interop::task<result<std::int64_t>> client::publish(std::string channel, std::string message) {
    auto calling = call(command("PUBLISH", channel, message));
    co_return convert<std::int64_t>(co_await std::move(calling), as_integer);
}

interop::task<result<subscription>> client::subscribe(std::vector<std::string> channels) {
    auto connecting = connect_tcp(options_);
    auto stream = co_await std::move(connecting);
    if (!stream) co_return stream.error();
    auto opening = subscription::open(std::move(*stream), std::move(channels));
    auto limited = interop::timeout(options_.command_timeout, std::move(opening));
    auto sub = co_await std::move(limited);
    if (!sub) co_return sub.error();
    co_return std::move(*sub);
}

}  // namespace redis
