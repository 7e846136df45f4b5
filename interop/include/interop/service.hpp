/// \file
/// interop::service: the shape of a request handler that middleware can wrap, written
/// once against this concept and run on any runtime.
///
/// A service names its `response` type and has two members:
///
/// - `ready()`: an awaitable `io_result<void>` that completes once the service can
///   take a call. This is where back-pressure lives: a concurrency limit waits here
///   for a free slot. Most services are ready at once. Readiness is a hint, not a
///   reservation: with several callers, a call after `ready()` may still wait.
/// - `call(request)`: an awaitable `io_result<response>`. The request is taken by
///   value; errors travel in the io_result, cancellation as operation_canceled, as for
///   every other operation.
///
/// A service may also have `ready_now()`, a `bool` that says without waiting whether a
/// call would be taken at once (load shedding asks it; a service without it counts as
/// always ready). A service object must outlive the calls made on it.
///
/// Middleware comes as layers, callables that take a service and return one that
/// wraps it; `stack(inner, a, b)` is `b(a(inner))`, so the last layer listed sees a
/// call first:
///
///     auto svc = interop::stack(interop::service_fn<reply>(handle),
///                               interop::timeout_layer(2s),            // innermost
///                               interop::concurrency_limit_layer(64),
///                               interop::load_shed_layer());           // outermost
///     if (co_await svc.ready()) {
///         io_result<reply> r = co_await svc.call(request);
///     }
#pragma once

#include "interop/service/concurrency_limit.hpp"
#include "interop/service/load_shed.hpp"
#include "interop/service/rate_limit.hpp"
#include "interop/service/retry.hpp"
#include "interop/service/service.hpp"
#include "interop/service/timeout.hpp"
