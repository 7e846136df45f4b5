#include "redis/engine.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "redis/glob.hpp"
#include "redis/numbers.hpp"
#include "redis/reply.hpp"

namespace redis {

namespace {

constexpr std::string_view not_an_integer = "ERR value is not an integer or out of range";
constexpr std::string_view syntax_error = "ERR syntax error";

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Compares ASCII letters without case; `lowercase` is already in lower case.
bool equals_lowercase(std::string_view text, std::string_view lowercase) noexcept {
    if (text.size() != lowercase.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (lower(text[i]) != lowercase[i]) return false;
    }
    return true;
}

// What printf's %s makes of an argument: the bytes up to the first NUL.
std::string_view as_c_string(std::string_view text) noexcept {
    return text.substr(0, text.find('\0'));
}

}  // namespace

namespace reply {

void error_from_input(std::string& out, std::string_view message) {
    out += '-';
    const std::size_t start = out.size();
    out += message;
    std::replace_if(
        out.begin() + static_cast<std::ptrdiff_t>(start), out.end(),
        [](char c) { return c == '\r' || c == '\n'; }, ' ');
    out += "\r\n";
}

}  // namespace reply

struct engine::command {
    std::string_view name;  // lower case
    std::string_view full_name;
    int arity;  // n: exactly n words with the name; -n: at least n
    void (engine::*run)(session&, argv_t, std::string&);
    bool allowed_when_subscribed = false;
    std::span<const command> subcommands = {};
};

namespace {

using command = engine::command;

const command* find_command(std::span<const command> table, std::string_view name) noexcept {
    for (const command& c : table) {
        if (equals_lowercase(name, c.name)) return &c;
    }
    return nullptr;
}

}  // namespace

void engine::execute(session& s, argv_t argv, std::string& out) {
    static constexpr command command_subcommands[] = {
        {"docs", "command|docs", -2, &engine::command_docs},
        {"count", "command|count", 2, &engine::command_count},
    };
    static constexpr command config_subcommands[] = {
        {"get", "config|get", -3, &engine::config_get},
    };
    // The most frequent first: the lookup goes down the table.
    static constexpr command commands[] = {
        {"get", "get", 2, &engine::get},
        {"set", "set", -3, &engine::set},
        {"incr", "incr", 2, &engine::incr},
        {"ping", "ping", -1, &engine::ping, true},
        {"del", "del", -2, &engine::del},
        {"exists", "exists", -2, &engine::exists},
        {"decr", "decr", 2, &engine::decr},
        {"incrby", "incrby", 3, &engine::incrby},
        {"decrby", "decrby", 3, &engine::decrby},
        {"expire", "expire", -3, &engine::expire},
        {"pexpire", "pexpire", -3, &engine::pexpire},
        {"persist", "persist", 2, &engine::persist},
        {"ttl", "ttl", 2, &engine::ttl},
        {"pttl", "pttl", 2, &engine::pttl},
        {"echo", "echo", 2, &engine::echo},
        {"keys", "keys", 2, &engine::keys},
        {"dbsize", "dbsize", 1, &engine::dbsize},
        {"flushall", "flushall", -1, &engine::flushall},
        {"flushdb", "flushdb", -1, &engine::flushall},
        {"publish", "publish", 3, &engine::publish},
        {"subscribe", "subscribe", -2, &engine::subscribe, true},
        {"unsubscribe", "unsubscribe", -1, &engine::unsubscribe, true},
        {"reset", "reset", 1, &engine::reset, true},
        {"hello", "hello", -1, &engine::hello},
        {"command", "command", -1, &engine::command_list, false, command_subcommands},
        {"config", "config", -2, nullptr, false, config_subcommands},
    };

    // QUIT, whatever follows it, as Redis 7.0 reads it before any lookup.
    if (equals_lowercase(argv[0], "quit")) {
        reply::ok(out);
        s.close_after_reply = true;
        return;
    }
    const command* cmd = find_command(commands, argv[0]);
    if (cmd != nullptr && !cmd->subcommands.empty() && argv.size() >= 2) {
        const command* sub = find_command(cmd->subcommands, argv[1]);
        if (sub == nullptr) {
            std::string message = "ERR unknown subcommand '";
            message += as_c_string(argv[1]).substr(0, 128);
            message += "'. Try ";
            for (const char c : as_c_string(argv[0])) {
                message += c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
            }
            message += " HELP.";
            reply::error_from_input(out, message);
            return;
        }
        cmd = sub;
    }
    if (cmd == nullptr) {
        unknown_command_error(argv, out);
        return;
    }
    const auto argc = static_cast<long long>(argv.size());
    if ((cmd->arity > 0 && argc != cmd->arity) || argc < -cmd->arity) {
        std::string message = "ERR wrong number of arguments for '";
        message += cmd->full_name;
        message += "' command";
        reply::error(out, message);
        return;
    }
    if (s.subscribed() && !cmd->allowed_when_subscribed) {
        std::string message = "ERR Can't execute '";
        message += cmd->full_name;
        message +=
            "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
            "context";
        reply::error(out, message);
        return;
    }
    (this->*(cmd->run))(s, argv, out);
}

void unknown_command_error(std::span<const std::string_view> argv, std::string& out) {
    std::string excerpt;
    for (std::size_t i = 1; i < argv.size() && excerpt.size() < 128; ++i) {
        excerpt += '\'';
        excerpt += as_c_string(argv[i]).substr(0, 128 - excerpt.size() + 1);
        excerpt += "' ";
    }
    std::string message = "ERR unknown command '";
    message += as_c_string(argv[0]).substr(0, 128);
    message += "', with args beginning with: ";
    message += excerpt;
    reply::error_from_input(out, message);
}

void engine::disconnect(session& s) {
    for (const std::string& channel : s.channels) channels_.unsubscribe(channel, s.sink);
    s.channels.clear();
}

void engine::set_config(std::string name, std::string value) {
    for (auto& [known, current] : config_) {
        if (known == name) {
            current = std::move(value);
            return;
        }
    }
    config_.emplace_back(std::move(name), std::move(value));
}

void engine::ping(session& s, argv_t argv, std::string& out) {
    if (argv.size() > 2) {
        reply::error(out, "ERR wrong number of arguments for 'ping' command");
        return;
    }
    if (s.subscribed()) {
        reply::array(out, 2);
        reply::bulk(out, "pong");
        reply::bulk(out, argv.size() == 2 ? argv[1] : std::string_view{});
        return;
    }
    if (argv.size() == 2) {
        reply::bulk(out, argv[1]);
    } else {
        out += "+PONG\r\n";
    }
}

void engine::echo(session&, argv_t argv, std::string& out) { reply::bulk(out, argv[1]); }

void engine::get(session&, argv_t argv, std::string& out) {
    if (const value_entry* e = keys_.find(argv[1])) {
        reply::bulk(out, e->value);
    } else {
        reply::null(out);
    }
}

void engine::set(session&, argv_t argv, std::string& out) {
    enum : unsigned {
        nx = 1,
        xx = 2,
        get_old = 4,
        keep_ttl = 8,
        ex = 16,
        px = 32,
        exat = 64,
        pxat = 128
    };
    unsigned flags = 0;
    std::string_view expire_arg;
    for (std::size_t j = 3; j < argv.size(); ++j) {
        const std::string_view opt = argv[j];
        const bool has_next = j + 1 < argv.size();
        const unsigned timed = ex | px | exat | pxat;
        if (equals_lowercase(opt, "nx") && !(flags & xx)) {
            flags |= nx;
        } else if (equals_lowercase(opt, "xx") && !(flags & nx)) {
            flags |= xx;
        } else if (equals_lowercase(opt, "get")) {
            flags |= get_old;
        } else if (equals_lowercase(opt, "keepttl") && !(flags & timed)) {
            flags |= keep_ttl;
        } else if (has_next && (equals_lowercase(opt, "ex") || equals_lowercase(opt, "px") ||
                                equals_lowercase(opt, "exat") || equals_lowercase(opt, "pxat"))) {
            const unsigned unit = equals_lowercase(opt, "ex")     ? ex
                                  : equals_lowercase(opt, "px")   ? px
                                  : equals_lowercase(opt, "exat") ? exat
                                                                  : pxat;
            // One kind of expiry, given any number of times, and not with KEEPTTL.
            if ((flags & keep_ttl) || (flags & (timed & ~unit))) {
                reply::error(out, syntax_error);
                return;
            }
            flags |= unit;
            expire_arg = argv[++j];
        } else {
            reply::error(out, syntax_error);
            return;
        }
    }
    unix_ms expires_at = no_expiry;
    if (flags & (ex | px | exat | pxat)) {
        const auto given = parse_integer(expire_arg);
        if (!given) {
            reply::error(out, not_an_integer);
            return;
        }
        std::int64_t ms = *given;
        const bool seconds = (flags & (ex | exat)) != 0;
        if (ms <= 0 || (seconds && ms > INT64_MAX / 1000)) {
            reply::error(out, "ERR invalid expire time in 'set' command");
            return;
        }
        if (seconds) ms *= 1000;
        if (flags & (ex | px)) {
            const unix_ms t = keys_.now();
            if (ms > INT64_MAX - t) {
                reply::error(out, "ERR invalid expire time in 'set' command");
                return;
            }
            ms += t;
        }
        expires_at = ms;
    }
    value_entry* e = keys_.find(argv[1]);
    if (flags & get_old) {
        if (e != nullptr) {
            reply::bulk(out, e->value);
        } else {
            reply::null(out);
        }
    }
    if (((flags & nx) && e != nullptr) || ((flags & xx) && e == nullptr)) {
        if (!(flags & get_old)) reply::null(out);
        return;
    }
    if (e != nullptr) {
        e->value.assign(argv[2]);
        if (!(flags & keep_ttl)) keys_.clear_expiry(*e);
    } else {
        e = &keys_.insert(argv[1], argv[2]);
    }
    if (expires_at != no_expiry) keys_.set_expiry(*e, expires_at);
    if (!(flags & get_old)) reply::ok(out);
}

void engine::del(session&, argv_t argv, std::string& out) {
    std::int64_t deleted = 0;
    for (std::size_t i = 1; i < argv.size(); ++i) deleted += keys_.erase(argv[i]) ? 1 : 0;
    reply::integer(out, deleted);
}

void engine::exists(session&, argv_t argv, std::string& out) {
    std::int64_t found = 0;
    for (std::size_t i = 1; i < argv.size(); ++i) found += keys_.find(argv[i]) != nullptr ? 1 : 0;
    reply::integer(out, found);
}

void engine::add_to(std::string_view key, std::int64_t by, std::string& out) {
    value_entry* e = keys_.find(key);
    std::int64_t old = 0;
    if (e != nullptr) {
        const auto stored = parse_integer(e->value);
        if (!stored) {
            reply::error(out, not_an_integer);
            return;
        }
        old = *stored;
    }
    if ((by < 0 && old < 0 && by < INT64_MIN - old) ||
        (by > 0 && old > 0 && by > INT64_MAX - old)) {
        reply::error(out, "ERR increment or decrement would overflow");
        return;
    }
    const std::int64_t now_value = old + by;
    char digits[max_integer_digits];
    const std::string_view text = format_integer(now_value, digits);
    if (e != nullptr) {
        e->value.assign(text);  // the expiry stays
    } else {
        keys_.insert(key, text);
    }
    reply::integer(out, now_value);
}

void engine::incr(session&, argv_t argv, std::string& out) { add_to(argv[1], 1, out); }
void engine::decr(session&, argv_t argv, std::string& out) { add_to(argv[1], -1, out); }

void engine::incrby(session&, argv_t argv, std::string& out) {
    const auto by = parse_integer(argv[2]);
    if (!by) {
        reply::error(out, not_an_integer);
        return;
    }
    add_to(argv[1], *by, out);
}

void engine::decrby(session&, argv_t argv, std::string& out) {
    const auto by = parse_integer(argv[2]);
    if (!by) {
        reply::error(out, not_an_integer);
        return;
    }
    if (*by == INT64_MIN) {
        reply::error(out, "ERR decrement would overflow");
        return;
    }
    add_to(argv[1], -*by, out);
}

void engine::expire_in(argv_t argv, std::int64_t unit_ms, std::string& out) {
    bool nx = false, xx = false, gt = false, lt = false;
    for (std::size_t j = 3; j < argv.size(); ++j) {
        const std::string_view opt = argv[j];
        if (equals_lowercase(opt, "nx")) {
            nx = true;
        } else if (equals_lowercase(opt, "xx")) {
            xx = true;
        } else if (equals_lowercase(opt, "gt")) {
            gt = true;
        } else if (equals_lowercase(opt, "lt")) {
            lt = true;
        } else {
            // Redis trims line ends around this message and blanks those inside.
            std::string_view shown = as_c_string(opt);
            while (!shown.empty() && (shown.back() == '\r' || shown.back() == '\n')) {
                shown.remove_suffix(1);
            }
            std::string message = "ERR Unsupported option ";
            message += shown;
            reply::error_from_input(out, message);
            return;
        }
    }
    if (nx && (xx || gt || lt)) {
        reply::error(out, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return;
    }
    if (gt && lt) {
        reply::error(out, "ERR GT and LT options at the same time are not compatible");
        return;
    }
    const auto given = parse_integer(argv[2]);
    if (!given) {
        reply::error(out, not_an_integer);
        return;
    }
    const std::string_view invalid = unit_ms == 1000
                                         ? "ERR invalid expire time in 'expire' command"
                                         : "ERR invalid expire time in 'pexpire' command";
    std::int64_t when = *given;
    if (unit_ms == 1000) {
        if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
            reply::error(out, invalid);
            return;
        }
        when *= 1000;
    }
    const unix_ms t = keys_.now();
    if (when > INT64_MAX - t) {
        reply::error(out, invalid);
        return;
    }
    when += t;
    value_entry* e = keys_.find(argv[1]);
    if (e == nullptr) {
        out += ":0\r\n";
        return;
    }
    const unix_ms current = e->expires_at;
    if ((nx && current != no_expiry) || (xx && current == no_expiry) ||
        (gt && (current == no_expiry || when <= current)) ||
        (lt && current != no_expiry && when >= current)) {
        out += ":0\r\n";
        return;
    }
    if (when <= t) {
        keys_.erase(argv[1]);
    } else {
        keys_.set_expiry(*e, when);
    }
    out += ":1\r\n";
}

void engine::expire(session&, argv_t argv, std::string& out) { expire_in(argv, 1000, out); }
void engine::pexpire(session&, argv_t argv, std::string& out) { expire_in(argv, 1, out); }

void engine::persist(session&, argv_t argv, std::string& out) {
    value_entry* e = keys_.find(argv[1]);
    if (e == nullptr || e->expires_at == no_expiry) {
        out += ":0\r\n";
        return;
    }
    keys_.clear_expiry(*e);
    out += ":1\r\n";
}

void engine::time_to_live(argv_t argv, bool in_ms, std::string& out) {
    const value_entry* e = keys_.find(argv[1]);
    if (e == nullptr) {
        reply::integer(out, -2);
        return;
    }
    if (e->expires_at == no_expiry) {
        reply::integer(out, -1);
        return;
    }
    const std::int64_t left = std::max<std::int64_t>(e->expires_at - keys_.now(), 0);
    reply::integer(out, in_ms ? left : (left + 500) / 1000);
}

void engine::ttl(session&, argv_t argv, std::string& out) { time_to_live(argv, false, out); }
void engine::pttl(session&, argv_t argv, std::string& out) { time_to_live(argv, true, out); }

void engine::keys(session&, argv_t argv, std::string& out) {
    const std::string_view pattern = argv[1];
    std::vector<std::string_view> found;
    keys_.for_each_live([&](const std::string& key, const value_entry&) {
        if (glob_match(pattern, key)) found.push_back(key);
    });
    reply::array(out, found.size());
    for (const std::string_view key : found) reply::bulk(out, key);
}

void engine::dbsize(session&, argv_t, std::string& out) {
    reply::integer(out, static_cast<std::int64_t>(keys_.size()));
}

void engine::flushall(session&, argv_t argv, std::string& out) {
    if (argv.size() > 2 || (argv.size() == 2 && !equals_lowercase(argv[1], "async") &&
                            !equals_lowercase(argv[1], "sync"))) {
        reply::error(out, syntax_error);
        return;
    }
    keys_.clear();
    reply::ok(out);
}

void engine::publish(session&, argv_t argv, std::string& out) {
    reply::integer(out, static_cast<std::int64_t>(channels_.publish(argv[1], argv[2])));
}

void engine::subscribe(session& s, argv_t argv, std::string& out) {
    for (std::size_t i = 1; i < argv.size(); ++i) {
        if (s.sink != nullptr && channels_.subscribe(argv[i], s.sink)) {
            s.channels.emplace_back(argv[i]);
        }
        reply::array(out, 3);
        reply::bulk(out, "subscribe");
        reply::bulk(out, argv[i]);
        reply::integer(out, static_cast<std::int64_t>(s.channels.size()));
    }
}

void engine::unsubscribe(session& s, argv_t argv, std::string& out) {
    const auto unsubscribed = [&](std::string_view channel) {
        reply::array(out, 3);
        reply::bulk(out, "unsubscribe");
        reply::bulk(out, channel);
        reply::integer(out, static_cast<std::int64_t>(s.channels.size()));
    };
    if (argv.size() == 1) {
        if (s.channels.empty()) {
            reply::array(out, 3);
            reply::bulk(out, "unsubscribe");
            reply::null(out);
            reply::integer(out, 0);
            return;
        }
        std::vector<std::string> all;
        all.swap(s.channels);
        for (std::size_t i = 0; i < all.size(); ++i) {
            channels_.unsubscribe(all[i], s.sink);
            // The count left: the channels after this one.
            reply::array(out, 3);
            reply::bulk(out, "unsubscribe");
            reply::bulk(out, all[i]);
            reply::integer(out, static_cast<std::int64_t>(all.size() - i - 1));
        }
        return;
    }
    for (std::size_t i = 1; i < argv.size(); ++i) {
        const auto it = std::find(s.channels.begin(), s.channels.end(), argv[i]);
        if (it != s.channels.end()) {
            channels_.unsubscribe(argv[i], s.sink);
            s.channels.erase(it);
        }
        unsubscribed(argv[i]);
    }
}

void engine::reset(session& s, argv_t, std::string& out) {
    // What RESET undoes here: the subscriptions (no transactions, names or databases).
    disconnect(s);
    out += "+RESET\r\n";
}

void engine::hello(session& s, argv_t argv, std::string& out) {
    std::size_t next = 1;
    if (argv.size() >= 2) {
        const auto version = parse_integer(argv[next++]);
        if (!version) {
            reply::error(out, "ERR Protocol version is not an integer or out of range");
            return;
        }
        // RESP3 is not spoken here: clients fall back to RESP2 on this error.
        if (*version != 2) {
            reply::error(out, "NOPROTO unsupported protocol version");
            return;
        }
    }
    for (std::size_t j = next; j < argv.size(); ++j) {
        const std::size_t more = argv.size() - 1 - j;
        if (equals_lowercase(argv[j], "auth") && more >= 2) {
            // The default user has no password, as in a Redis without requirepass.
            if (argv[j + 1] != "default") {
                reply::error(out, "WRONGPASS invalid username-password pair or user is disabled.");
                return;
            }
            j += 2;
        } else if (equals_lowercase(argv[j], "setname") && more >= 1) {
            for (const char c : argv[j + 1]) {
                if (c < '!' || c > '~') {
                    reply::error(out,
                                 "ERR Client names cannot contain spaces, newlines or special "
                                 "characters.");
                    return;
                }
            }
            ++j;  // names are not kept: no CLIENT LIST shows them
        } else {
            std::string message = "ERR Syntax error in HELLO option '";
            message += as_c_string(argv[j]);
            message += '\'';
            reply::error_from_input(out, message);
            return;
        }
    }
    reply::array(out, 14);
    reply::bulk(out, "server");
    reply::bulk(out, "redis");
    reply::bulk(out, "version");
    reply::bulk(out, "7.0.15");  // the Redis whose behaviour this server follows
    reply::bulk(out, "proto");
    reply::integer(out, 2);
    reply::bulk(out, "id");
    reply::integer(out, s.id);
    reply::bulk(out, "mode");
    reply::bulk(out, "standalone");
    reply::bulk(out, "role");
    reply::bulk(out, "master");
    reply::bulk(out, "modules");
    reply::array(out, 0);
}

void engine::command_docs(session&, argv_t, std::string& out) { reply::array(out, 0); }

void engine::command_count(session&, argv_t, std::string& out) {
    reply::integer(out, 27);  // the commands of the table in execute(), and QUIT
}

void engine::command_list(session&, argv_t, std::string& out) { reply::array(out, 0); }

void engine::config_get(session&, argv_t argv, std::string& out) {
    // Each parameter once, named as the request named it when it was no pattern
    // (Redis looks such a name up without case), and as it is named otherwise.
    std::vector<std::pair<std::string_view, std::string_view>> found;
    std::vector<const std::string*> seen;
    const auto add = [&](std::string_view name, const std::string& value) {
        if (std::find(seen.begin(), seen.end(), &value) != seen.end()) return;
        seen.push_back(&value);
        found.emplace_back(name, value);
    };
    for (std::size_t i = 2; i < argv.size(); ++i) {
        std::string pattern(argv[i]);
        for (char& c : pattern) c = lower(c);
        const bool is_pattern = pattern.find_first_of("[*?") != std::string::npos;
        for (const auto& [name, value] : config_) {
            if (!is_pattern && pattern == name) add(argv[i], value);
            if (is_pattern && glob_match(pattern, name)) add(name, value);
        }
    }
    reply::array(out, found.size() * 2);
    for (const auto& [name, value] : found) {
        reply::bulk(out, name);
        reply::bulk(out, value);
    }
}

}  // namespace redis
