/// \file
/// The context a task runs in: the runtime that drives it, its stop token, and the
/// bookkeeping of the run it belongs to.
///
/// Every task's promise points at a context. A task that is awaited inherits its
/// parent's context pointer; a spawned task gets a context of its own whose stop
/// token is linked to its parent's. Leaf awaitables (sleep, read, accept, ...) find
/// the runtime here in await_suspend, which is how library code runs unchanged on
/// whatever runtime drives it.
#pragma once

#include <concepts>
#include <coroutine>
#include <stdexcept>
#include "interop/detail/context_stop.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/stop_token.hpp"

namespace interop {

namespace detail {
class run_state;
struct task_record;
/// The record of contexts made by hand: no list holds it and no dump shows it, and
/// what is noted in it is never read. It spares every wait a test for a record.
extern task_record unrecorded_task;
}  // namespace detail

/// The context a task runs in: the runtime that drives it, its stop token, and the
/// bookkeeping of the run it belongs to.
struct task_context {
    runtime_ref runtime{};
    interop::stop_token stop_token{};
    detail::run_state* run = nullptr;  ///< null outside interop::run (sync_wait)
    /// The core's record of the task that runs in this context (interop::debug reads
    /// it); detail::unrecorded_task in a context made by hand, never null. A context
    /// copied from a task's own still points at that task: point it elsewhere before
    /// running anything else in the copy.
    detail::task_record* task = &detail::unrecorded_task;
    /// The context's stop callback, shared by the operations that wait in it
    /// (detail/context_stop.hpp); set by the core for a task's own context and a
    /// scope's. A copy leaves it null, as does assigning to a context: operations in a
    /// context made or copied by hand register a stop callback each.
    detail::context_stop_ref stop_slot{};
};

/// Thrown when an operation that needs a runtime is awaited by a task that no
/// runtime drives (for example inside interop::sync_wait). It is a logic error in
/// the program, so it is an exception rather than an io_result.
class no_runtime_error : public std::logic_error {
public:
    explicit no_runtime_error(const char* operation);
};

namespace detail {

// Anything whose promise exposes the interop context: interop tasks and generators.
template <typename Promise>
concept context_promise = requires(Promise& p) {
    { p.context() } -> std::same_as<task_context*>;
};

// The runtime of the awaiting coroutine, or a no_runtime_error naming `operation`.
template <context_promise Promise>
runtime_ref runtime_of(std::coroutine_handle<Promise> awaiter, const char* operation) {
    task_context* ctx = awaiter.promise().context();
    if (ctx == nullptr || !ctx->runtime) throw no_runtime_error(operation);
    return ctx->runtime;
}

}  // namespace detail
}  // namespace interop
