/// \file
/// The hook through which interop::run(task) gets the runtime chosen at build time.
///
/// Each interop::runtime_<name> target defines make_default_runtime() with its adapter
/// (`adapters/<name>/src/default_runtime.cpp`); interop::runtime links the one that
/// INTEROP_RUNTIME names. Like the rest of the primitive interface, this header is all
/// an adapter needs to see.
#pragma once

#include "interop/runtime/interface.hpp"

namespace interop::detail {

/// A runtime created on the heap: its ref, the object that owns it and the function
/// that destroys that object (ref.self may point elsewhere, into the object).
struct owned_runtime {
    runtime_ref ref;
    void* object;
    void (*destroy)(void* object) noexcept;
};

owned_runtime make_default_runtime();

}  // namespace interop::detail
