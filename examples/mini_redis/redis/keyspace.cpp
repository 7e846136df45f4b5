#include "redis/keyspace.hpp"

#include <chrono>

namespace redis {

unix_ms system_clock_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

value_entry* keyspace::find(std::string_view key) {
    const auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    if (it->second.expires_at != no_expiry && expired(it->second, now())) {
        erase_entry(it);
        return nullptr;
    }
    return &it->second;
}

value_entry& keyspace::insert(std::string_view key, std::string_view value) {
    auto [it, inserted] = map_.try_emplace(std::string(key));
    if (!inserted) clear_expiry(it->second);  // an expired entry find() did not meet
    it->second.value.assign(value);
    return it->second;
}

bool keyspace::erase(std::string_view key) {
    const auto it = map_.find(key);
    if (it == map_.end()) return false;
    const bool live = it->second.expires_at == no_expiry || !expired(it->second, now());
    erase_entry(it);
    return live;
}

void keyspace::clear() noexcept {
    map_.clear();
    volatile_ = 0;
    cursor_ = 0;
}

void keyspace::set_expiry(value_entry& entry, unix_ms at) noexcept {
    if (entry.expires_at == no_expiry) ++volatile_;
    entry.expires_at = at;
}

void keyspace::clear_expiry(value_entry& entry) noexcept {
    if (entry.expires_at != no_expiry) --volatile_;
    entry.expires_at = no_expiry;
}

void keyspace::erase_entry(map::iterator it) {
    if (it->second.expires_at != no_expiry) --volatile_;
    map_.erase(it);
}

std::size_t keyspace::expire_some(std::size_t buckets) {
    if (volatile_ == 0 || map_.empty()) return 0;
    const unix_ms t = now();
    const std::size_t count = map_.bucket_count();
    std::size_t deleted = 0;
    for (std::size_t i = 0; i < buckets && i < count && volatile_ > 0; ++i) {
        const std::size_t bucket = cursor_ % count;
        cursor_ = bucket + 1;
        for (auto it = map_.begin(bucket); it != map_.end(bucket);) {
            const auto current = it++;
            if (!expired(current->second, t)) continue;
            // Erasing one element leaves the iterators to the others valid.
            erase_entry(map_.find(current->first));
            ++deleted;
        }
    }
    return deleted;
}

}  // namespace redis
