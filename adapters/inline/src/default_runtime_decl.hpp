// The hook through which interop::run() gets the runtime chosen at build time
// (INTEROP_RUNTIME=inline selects this file's definition).
//
// The core declares it in <interop/run.hpp>; until that header exists, the same
// declaration lives here.
#pragma once

#if __has_include(<interop/run.hpp>)
#include <interop/run.hpp>
#else
#include "interop/runtime_interface.hpp"

namespace interop::detail {

// A runtime created on the heap, with the function that destroys it. `destroy` is
// called with ref.self.
struct owned_runtime {
    runtime_ref ref;
    void (*destroy)(void* self) noexcept;
};

owned_runtime make_default_runtime();

}  // namespace interop::detail
#endif
