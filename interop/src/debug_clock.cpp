// interop/src/debug_clock.hpp: ticks to time.
#include "debug_clock.hpp"

#include "interop/detail/task_record.hpp"

namespace interop::debug::tick_clock {

namespace {

struct tick_base {
    std::uint64_t ticks = detail::task_clock_now();
    std::chrono::steady_clock::time_point time = std::chrono::steady_clock::now();
};
const tick_base baseline;

}  // namespace

double nanoseconds_per_tick() {
#if defined(__x86_64__)
    const std::uint64_t ticks_now = detail::task_clock_now();
    const auto time_now = std::chrono::steady_clock::now();
    const auto elapsed = std::chrono::duration<double, std::nano>(time_now - baseline.time);
    const auto elapsed_ticks = static_cast<double>(ticks_now - baseline.ticks);
    if (elapsed_ticks <= 0) return 0;
    return elapsed.count() / elapsed_ticks;
#else
    return 1;  // task_clock_now() is steady_clock's count of nanoseconds
#endif
}

std::chrono::nanoseconds to_time(std::uint64_t ticks) {
    return std::chrono::nanoseconds(
        static_cast<std::int64_t>(static_cast<double>(ticks) * nanoseconds_per_tick()));
}

}  // namespace interop::debug::tick_clock
