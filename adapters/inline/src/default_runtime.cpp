// Makes the inline runtime the one interop::run() uses.
#include "interop/default_runtime.hpp"
#include "interop/inline_runtime.hpp"

namespace interop::detail {

owned_runtime make_default_runtime() {
    auto* runtime = new inline_runtime();
    return {runtime->ref(), [](void* self) noexcept { delete static_cast<inline_runtime*>(self); }};
}

}  // namespace interop::detail
