// interop/src/debug_clock.hpp: ticks to time.
#include "debug_clock.hpp"

#include "interop/detail/task_record.hpp"

namespace interop::debug::tick_clock {

namespace {

// A tick count and the time it was read at, read as a pair: the tick count between two
// reads of the time, again if the two are far apart (the thread was preempted between
// them on a busy machine), so that the pair is off by microseconds rather than by a
// time slice, which would scale every duration by as much as a few percent.
struct tick_time {
    std::uint64_t ticks = 0;
    std::chrono::steady_clock::time_point time{};
};

tick_time read_together() {
    tick_time best;
    auto best_gap = std::chrono::steady_clock::duration::max();
    for (int attempt = 0; attempt < 8; ++attempt) {
        const auto before = std::chrono::steady_clock::now();
        const std::uint64_t ticks = detail::task_clock_now();
        const auto after = std::chrono::steady_clock::now();
        const auto gap = after - before;
        if (gap < best_gap) {
            best_gap = gap;
            best = {ticks, before + gap / 2};
        }
        if (gap < std::chrono::microseconds(20)) break;
    }
    return best;
}

const tick_time baseline = read_together();

}  // namespace

double nanoseconds_per_tick() {
#if defined(__x86_64__)
    const tick_time now = read_together();
    const auto elapsed = std::chrono::duration<double, std::nano>(now.time - baseline.time);
    const auto elapsed_ticks = static_cast<double>(now.ticks - baseline.ticks);
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
