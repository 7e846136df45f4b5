// Counts heap allocations in a benchmark server, per message of a measured window.
//
// alloc_counter.cpp, compiled into the server executable itself, defines malloc,
// calloc, realloc, free, aligned_alloc, posix_memalign, memalign and every global
// operator new/delete. The executable's definitions take precedence over the C
// library's for the whole process (shared libraries such as libuv and libstdc++
// included); they count and then call glibc's own allocator (__libc_malloc ...).
//
// The load generator marks the measured window with two SIGUSR1 signals sent with
// sigqueue(): the value 0 opens the window, a value N > 0 closes it after N
// messages. On the second one the server writes one line to stdout:
//
//     allocations window_allocations=0 window_messages=123456 allocs_per_msg=0.000
//
// The handler only reads atomics and calls write(2), so it is async-signal-safe
// whichever thread receives the signal.
#pragma once

namespace bench {

// Installs the SIGUSR1 handler and starts counting. Call before the server starts
// serving. Returns false (after saying why on stderr) when this build cannot count:
// sanitizer builds keep their own allocator.
bool enable_allocation_counting();

}  // namespace bench
