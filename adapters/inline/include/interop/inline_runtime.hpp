/// \file
/// interop::inline_runtime — the reference runtime.
///
/// One thread runs everything: a run queue of ready completions, a timer heap and a
/// poll(2) reactor for non-blocking sockets. Name resolution and blocking work go to a
/// small pool of worker threads that report back through the loop. It depends on
/// nothing but POSIX and the C++20 standard library, and it is written to be read: it
/// is the example to start from when writing an adapter for another event loop.
///
///     interop::inline_runtime rt;
///     interop::runtime_ref ref = rt.ref();   // what the core is given
///     rt.run();                              // until something calls stop()
///
/// Threads: post(), cancel(), stop(), now() and in_runtime_thread() may be called from
/// any thread. Every other primitive must be called from the thread inside run(), or
/// while no thread is inside run().
#pragma once

#include <cstddef>
#include <memory>

#include "interop/runtime/interface.hpp"

namespace interop {

namespace inline_detail {
class loop;
}  // namespace inline_detail

/// The reference runtime: dependency-free, one thread, poll(2).
class inline_runtime {
public:
    struct options {
        /// The clock starts at 0 and jumps to the next timer deadline whenever the loop
        /// has nothing else to do, so tests of hour-long timeouts finish at once.
        bool virtual_time = false;
    };

    inline_runtime();
    explicit inline_runtime(options opts);
    /// Joins the worker threads and closes every socket. Operations still pending are
    /// abandoned without being completed.
    ~inline_runtime();

    inline_runtime(const inline_runtime&) = delete;
    inline_runtime& operator=(const inline_runtime&) = delete;

    /// The type-erased handle the core works with: the vtable and this object.
    runtime_ref ref() noexcept;

    /// ref().vtable->run, and interop::request_stop(ref()).
    void run();
    void stop() noexcept;

    bool uses_virtual_time() const noexcept;

    /// For tests. Operations that have started and neither completed nor had their
    /// completion queued. Call it from the loop's thread or while the loop is not
    /// running.
    std::size_t pending_operations() const noexcept;
    /// Sockets that are open, including listeners and connects in progress. Call it
    /// from the loop's thread or while the loop is not running.
    std::size_t open_sockets() const noexcept;

private:
    std::unique_ptr<inline_detail::loop> loop_;
};

}  // namespace interop
