/// \file
/// interop::asio_runtime — the runtime primitives over standalone Asio's io_context.
///
/// With the default options one thread runs the io_context. With `threads = N > 1`
/// the same io_context is run by N threads (the one that calls run() and N-1 that
/// run() starts and joins), and the runtime declares cap_multi_threaded: completions
/// may then run on any of those threads at the same time.
///
///     interop::asio_runtime rt({.threads = 4});
///     interop::run(rt.ref(), main_task());
///
/// context() gives access to the io_context, for code that mixes native Asio with
/// interop on the same threads.
///
/// Threads: every primitive may be called from any thread. Operations on one socket
/// are serialised through that socket's strand, so a socket may be used from tasks on
/// different threads (one read and one write at a time, as the contract says).
#pragma once

#include <memory>

#include <asio/io_context.hpp>

#include "interop/runtime/interface.hpp"

namespace interop {

namespace asio_detail {
class runtime;
}  // namespace asio_detail

/// The runtime primitives over standalone Asio's io_context, run by one thread or
/// by several.
class asio_runtime {
public:
    struct options {
        /// How many threads run the io_context. 0 is taken as 1.
        unsigned threads = 1;
    };

    asio_runtime();
    explicit asio_runtime(options opts);
    /// Stops the io_context, joins the blocking-work threads and releases every
    /// resource. Operations still pending are abandoned without being completed (the
    /// core guarantees there are none after interop::run returns).
    ~asio_runtime();

    asio_runtime(const asio_runtime&) = delete;
    asio_runtime& operator=(const asio_runtime&) = delete;
    asio_runtime(asio_runtime&&) = delete;
    asio_runtime& operator=(asio_runtime&&) = delete;

    /// The type-erased handle the core works with: the vtable and this object.
    runtime_ref ref() noexcept;

    /// The io_context the primitives run on.
    asio::io_context& context() noexcept;

private:
    std::unique_ptr<asio_detail::runtime> impl_;
};

}  // namespace interop
