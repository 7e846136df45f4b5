// Makes the inline runtime the one interop::run() uses.
#include "interop/runtime/default_runtime.hpp"
#include "interop/inline_runtime.hpp"

namespace interop::detail {

owned_runtime make_default_runtime() {
    auto* runtime = new inline_runtime();
    return {runtime->ref(), runtime,
            [](void* object) noexcept { delete static_cast<inline_runtime*>(object); }};
}

}  // namespace interop::detail
