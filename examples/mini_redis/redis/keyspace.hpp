// The keys of the server: strings, each with an optional time of expiry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace redis {

/// Milliseconds since the Unix epoch, the clock of Redis's expiry times.
using unix_ms = std::int64_t;
/// Reads the time; the default is the system clock. Tests give their own.
using clock_function = unix_ms (*)() noexcept;
unix_ms system_clock_ms() noexcept;

/// An expiry time that means "never".
inline constexpr unix_ms no_expiry = -1;

struct value_entry {
    std::string value;
    unix_ms expires_at = no_expiry;
};

/// Hashes std::string and std::string_view alike, so that a lookup by the view a
/// request carries allocates no key.
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

/// The string keys. A key whose time has come is gone: lookups delete it when they
/// meet it (expiry on access), and expire_some() looks for such keys nobody asks for
/// (the active expiry, which a timer drives).
class keyspace {
public:
    using map = std::unordered_map<std::string, value_entry, string_hash, std::equal_to<>>;

    explicit keyspace(clock_function clock = system_clock_ms) : clock_(clock) {}

    unix_ms now() const noexcept { return clock_(); }

    /// The live entry of `key`, or nullptr (an expired one is deleted on the way).
    value_entry* find(std::string_view key);
    /// A new entry for `key`, which find() has just not found.
    value_entry& insert(std::string_view key, std::string_view value);
    /// Deletes `key`; true if it was there and live.
    bool erase(std::string_view key);
    void clear() noexcept;

    void set_expiry(value_entry& entry, unix_ms at) noexcept;
    void clear_expiry(value_entry& entry) noexcept;

    /// Keys stored, including the expired ones not yet deleted (as DBSIZE counts).
    std::size_t size() const noexcept { return map_.size(); }
    /// Keys with an expiry time.
    std::size_t volatile_count() const noexcept { return volatile_; }

    /// Calls `f(key, entry)` for every live key.
    template <typename F>
    void for_each_live(F&& f) const {
        const unix_ms t = now();
        for (const auto& [key, entry] : map_) {
            if (entry.expires_at != no_expiry && entry.expires_at <= t) continue;
            f(key, entry);
        }
    }

    /// One step of the active expiry: looks at up to `buckets` buckets of the table,
    /// from where the previous step stopped, and deletes the expired keys there.
    /// Returns how many it deleted.
    std::size_t expire_some(std::size_t buckets);

private:
    bool expired(const value_entry& e, unix_ms t) const noexcept {
        return e.expires_at != no_expiry && e.expires_at <= t;
    }
    void erase_entry(map::iterator it);

    clock_function clock_;
    map map_;
    std::size_t volatile_ = 0;
    std::size_t cursor_ = 0;
};

}  // namespace redis
