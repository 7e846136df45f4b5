// What a connection's exchange loop and its watchdog share.
#pragma once

#include <atomic>
#include <cstdint>

#include "interop/time.hpp"

namespace http::detail {

/// Where a connection is in its exchanges.
enum class phase : std::uint8_t {
    idle,       // waiting for the first byte of a request
    receiving,  // a request has begun to arrive
    busy,       // the service is answering, or the answer is being written
    closed,     // the watchdog has closed it
};

/// The phase of a connection and when it began, in one word, so that the watchdog
/// reads both together and takes the connection over only if neither has moved since
/// it looked (the two run at once on a runtime with several threads).
class phase_clock {
public:
    struct reading {
        phase at;
        interop::time_point since;
        std::uint64_t word;
    };

    void enter(phase p, interop::time_point since) noexcept {
        word_.store(pack(p, since), std::memory_order_release);
    }
    reading read() const noexcept {
        const std::uint64_t w = word_.load(std::memory_order_acquire);
        return {static_cast<phase>(w & 3U),
                interop::time_point(interop::duration(static_cast<std::int64_t>(w) >> 2)), w};
    }
    /// Closes the connection if it is still where `seen` found it.
    bool close_if_unchanged(const reading& seen) noexcept {
        std::uint64_t expected = seen.word;
        return word_.compare_exchange_strong(expected, pack(phase::closed, seen.since),
                                             std::memory_order_acq_rel);
    }

private:
    static std::uint64_t pack(phase p, interop::time_point since) noexcept {
        const auto ticks = static_cast<std::uint64_t>(since.time_since_epoch().count());
        return (ticks << 2) | static_cast<std::uint64_t>(p);
    }
    std::atomic<std::uint64_t> word_{0};
};

struct connection_state {
    phase_clock clock;
    // The watchdog closed a connection in the middle of a request: it is answered 408.
    std::atomic<bool> request_timed_out{false};
};

}  // namespace http::detail
