/// \file
/// interop::libuv_runtime — the runtime primitives over a libuv event loop.
///
/// The runtime owns one uv_loop_t and drives it on the thread that runs it:
///
///     interop::libuv_runtime rt;
///     interop::run(rt.ref(), main_task());   // or rt.ref().vtable->run(...)
///
/// Threads: one thread runs the loop (no cap_multi_threaded). post(), cancel(), stop(),
/// now(), in_runtime_thread() and the core slot may be called from any thread; every other
/// primitive from the thread inside run(), or while no thread is inside run().
///
/// Process-wide effects:
///   - SIGPIPE: libuv writes with write(2), which raises SIGPIPE when the peer has
///     gone. If SIGPIPE still has its default disposition when a runtime is
///     constructed, it is set to ignored, so such writes report broken_pipe instead of
///     ending the process. A handler the program installed itself is left alone.
///   - Signals: the first signal_wait for a signal number installs libuv's handler for
///     it, and it stays until the runtime is destroyed (a signal raised while nobody
///     waits completes the next wait). When the last runtime watching a signal is
///     destroyed, libuv restores the signal's default disposition.
///   - resolve and spawn_blocking run on libuv's process-wide thread pool
///     (UV_THREADPOOL_SIZE threads, 4 by default), shared with every other loop.
///
/// Mixing native libuv: loop() gives the uv_loop_t. Native handles and requests may be
/// used on it from the loop thread. The destructor closes any handle still open.
#pragma once

#include <memory>

#include <uv.h>

#include "interop/runtime/interface.hpp"

namespace interop {

namespace libuv_detail {
class loop;
}  // namespace libuv_detail

/// The runtime primitives over a libuv event loop.
class libuv_runtime {
public:
    /// Throws std::system_error if libuv cannot set up the loop (out of descriptors).
    libuv_runtime();
    /// Closes every handle still open (sockets, timers, signal watchers, and native
    /// handles of code that mixed libuv in) and runs the loop until all of them are
    /// closed and every thread-pool request has come back. Operations still pending are
    /// abandoned without being completed: completing them would run core code from a
    /// destructor, and interop::run guarantees there are none.
    ~libuv_runtime();

    libuv_runtime(const libuv_runtime&) = delete;
    libuv_runtime& operator=(const libuv_runtime&) = delete;
    libuv_runtime(libuv_runtime&&) = delete;
    libuv_runtime& operator=(libuv_runtime&&) = delete;

    /// The type-erased handle the core works with: the vtable and this object.
    runtime_ref ref() noexcept;

    /// The loop this runtime drives, for code that mixes in native libuv.
    uv_loop_t* loop() noexcept;

private:
    std::unique_ptr<libuv_detail::loop> loop_;
};

}  // namespace interop
