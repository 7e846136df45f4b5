/// \file
/// interop::chaos_runtime — a runtime that wraps another and makes its timing hostile.
///
/// Code that is correct on every runtime must not depend on when completions arrive,
/// how much a read or write moves, or whether an accept succeeds the first time. The
/// chaos runtime forwards every primitive to the runtime it wraps, and on the way:
///   - reads and writes ask for a random length, down to one byte: short counts;
///   - completions are held back for a few turns and delivered in a shuffled order
///     (posts too, but those keep their order: the contract promises FIFO per thread);
///   - an accept on a listener fails now and then with too_many_files_open before it
///     is tried, the connection staying in the backlog, as a server out of descriptors
///     sees it (an accept on any other handle gets the wrapped runtime's answer).
/// Every fault stays within the primitive contract (runtime-interface.md), so whatever
/// the conformance suite pins about the library holds on it, and the suite runs it as
/// the backend "chaos". The faults come from a seeded generator: the same seed gives
/// the same faults on a single-threaded runtime.
///
///     interop::inline_runtime inner;
///     interop::chaos_runtime chaos(inner.ref(), {.seed = 42});
///     interop::run(chaos.ref(), my_task());
///
/// It includes only the primitive interface: it wraps third-party runtimes as well.
#pragma once

#include <cstdint>
#include <memory>

#include "interop/runtime/interface.hpp"

namespace interop {

namespace chaos_detail {
class runtime;
}

/// A runtime that wraps another and makes its timing hostile.
class chaos_runtime {
public:
    struct options {
        std::uint64_t seed = 1;
        bool short_io = true;          ///< reads and writes take a random length
        unsigned max_delay_turns = 3;  ///< completions wait up to this many turns
        /// accepts on a listener that first fail with too_many_files_open
        unsigned accept_errors_percent = 25;
    };

    /// `inner` must outlive this object.
    explicit chaos_runtime(runtime_ref inner);
    chaos_runtime(runtime_ref inner, options opts);
    ~chaos_runtime();
    chaos_runtime(const chaos_runtime&) = delete;
    chaos_runtime& operator=(const chaos_runtime&) = delete;

    runtime_ref ref() noexcept;

private:
    std::unique_ptr<chaos_detail::runtime> impl_;
};

}  // namespace interop
