/// \file
/// The hook through which interop::run(task) gets the runtime chosen at build time.
///
/// The interop::runtime target defines make_default_runtime() with the adapter that
/// INTEROP_RUNTIME names (`adapters/<name>/src/default_runtime.cpp`). Like the rest of
/// the primitive interface, this header is all an adapter needs to see.
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
