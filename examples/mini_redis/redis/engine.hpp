// The commands: what each request does to the keys and channels, and its reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redis/keyspace.hpp"
#include "redis/pubsub.hpp"

namespace redis {

/// What the command layer keeps for one connection.
struct session {
    /// The connection's number, as HELLO reports it (engine::connect gives it).
    std::int64_t id = 0;
    /// Where PUBLISH sends this connection's messages once it subscribes.
    subscriber* sink = nullptr;
    /// The channels it listens to, in the order it subscribed.
    std::vector<std::string> channels;
    /// QUIT: close once the replies are written.
    bool close_after_reply = false;

    bool subscribed() const noexcept { return !channels.empty(); }
};

/// Executes requests against one keyspace and one set of channels, appending each
/// reply, byte for byte as Redis 7 would write it in RESP2. Not thread-safe: one
/// runtime thread drives it, as Redis's one thread drives its commands.
class engine {
public:
    explicit engine(clock_function clock = system_clock_ms) : keys_(clock) {}

    /// Runs the request `argv` (not empty) of `s`, appending its reply to `out`.
    void execute(session& s, std::span<const std::string_view> argv, std::string& out);
    /// A connection begins: it gets its number.
    void connect(session& s) noexcept { s.id = ++last_id_; }
    /// A connection ends: it stops listening to its channels.
    void disconnect(session& s);

    /// What CONFIG GET reports: name (lower case) and value.
    void set_config(std::string name, std::string value);

    keyspace& keys() noexcept { return keys_; }

    struct command;

private:
    using argv_t = std::span<const std::string_view>;

    void ping(session&, argv_t, std::string&);
    void echo(session&, argv_t, std::string&);
    void get(session&, argv_t, std::string&);
    void set(session&, argv_t, std::string&);
    void del(session&, argv_t, std::string&);
    void exists(session&, argv_t, std::string&);
    void incr(session&, argv_t, std::string&);
    void decr(session&, argv_t, std::string&);
    void incrby(session&, argv_t, std::string&);
    void decrby(session&, argv_t, std::string&);
    void expire(session&, argv_t, std::string&);
    void pexpire(session&, argv_t, std::string&);
    void persist(session&, argv_t, std::string&);
    void ttl(session&, argv_t, std::string&);
    void pttl(session&, argv_t, std::string&);
    void keys(session&, argv_t, std::string&);
    void dbsize(session&, argv_t, std::string&);
    void flushall(session&, argv_t, std::string&);
    void publish(session&, argv_t, std::string&);
    void subscribe(session&, argv_t, std::string&);
    void unsubscribe(session&, argv_t, std::string&);
    void reset(session&, argv_t, std::string&);
    void hello(session&, argv_t, std::string&);
    void command_docs(session&, argv_t, std::string&);
    void command_count(session&, argv_t, std::string&);
    void command_list(session&, argv_t, std::string&);
    void config_get(session&, argv_t, std::string&);

    void add_to(std::string_view key, std::int64_t by, std::string& out);
    void expire_in(argv_t argv, std::int64_t unit_ms, std::string& out);
    void time_to_live(argv_t argv, bool in_ms, std::string& out);

    keyspace keys_;
    pubsub channels_;
    std::int64_t last_id_ = 0;
    std::vector<std::pair<std::string, std::string>> config_{{"appendonly", "no"}, {"save", ""}};
};

/// The unknown-command error of Redis 7, with its excerpt of the arguments.
void unknown_command_error(std::span<const std::string_view> argv, std::string& out);

}  // namespace redis
