#include "redis/pubsub.hpp"

#include <algorithm>

#include "redis/reply.hpp"

namespace redis {

bool pubsub::subscribe(std::string_view channel, subscriber* s) {
    auto it = channels_.find(channel);
    if (it == channels_.end()) it = channels_.try_emplace(std::string(channel)).first;
    auto& listeners = it->second;
    if (std::find(listeners.begin(), listeners.end(), s) != listeners.end()) return false;
    listeners.push_back(s);
    return true;
}

bool pubsub::unsubscribe(std::string_view channel, subscriber* s) {
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return false;
    auto& listeners = it->second;
    const auto found = std::find(listeners.begin(), listeners.end(), s);
    if (found == listeners.end()) return false;
    listeners.erase(found);
    if (listeners.empty()) channels_.erase(it);
    return true;
}

std::size_t pubsub::publish(std::string_view channel, std::string_view message) {
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return 0;
    encoded_.clear();
    reply::array(encoded_, 3);
    reply::bulk(encoded_, "message");
    reply::bulk(encoded_, channel);
    reply::bulk(encoded_, message);
    for (subscriber* s : it->second) s->deliver(encoded_);
    return it->second.size();
}

}  // namespace redis
