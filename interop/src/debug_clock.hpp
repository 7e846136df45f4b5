// Time from task_clock_now() ticks, for interop/debug.hpp's reports. On x86-64 the
// ticks are the time-stamp counter's, whose rate is found by comparing it with
// steady_clock over the time since the library was loaded.
#pragma once

#include <chrono>
#include <cstdint>

namespace interop::debug::tick_clock {

// Nanoseconds per tick, as measured now: the longer the program has run, the closer.
double nanoseconds_per_tick();

// A number of ticks as time.
std::chrono::nanoseconds to_time(std::uint64_t ticks);

}  // namespace interop::debug::tick_clock
