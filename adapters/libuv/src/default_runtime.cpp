// Makes the libuv runtime the one interop::run() uses.
#include "interop/runtime/default_runtime.hpp"
#include "interop/libuv_runtime.hpp"

namespace interop::detail {

owned_runtime make_default_runtime() {
    auto* runtime = new libuv_runtime();
    return {runtime->ref(), runtime,
            [](void* object) noexcept { delete static_cast<libuv_runtime*>(object); }};
}

}  // namespace interop::detail
