// Channels of PUBLISH and SUBSCRIBE: who listens to what.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "redis/keyspace.hpp"

namespace redis {

/// Where a subscribed connection's messages go. The server's connections implement
/// it; deliver() must not block (it runs in the publisher's command).
class subscriber {
public:
    /// `message` is the whole reply, "*3\r\n$7\r\nmessage\r\n...", ready to write.
    virtual void deliver(std::string_view message) = 0;

protected:
    ~subscriber() = default;
};

class pubsub {
public:
    /// False if `s` already listens to `channel`.
    bool subscribe(std::string_view channel, subscriber* s);
    /// False if `s` did not listen to `channel`.
    bool unsubscribe(std::string_view channel, subscriber* s);
    /// Sends `message` to everyone on `channel`; returns how many received it.
    std::size_t publish(std::string_view channel, std::string_view message);

private:
    std::unordered_map<std::string, std::vector<subscriber*>, string_hash, std::equal_to<>>
        channels_;
    std::string encoded_;  // the message reply, built once for all receivers
};

}  // namespace redis
