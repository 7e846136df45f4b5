// Makes a single-threaded Asio runtime the one interop::run() uses.
#include "interop/runtime/default_runtime.hpp"
#include "interop/asio_runtime.hpp"

namespace interop::detail {

owned_runtime make_default_runtime() {
    auto* runtime = new asio_runtime();
    return {runtime->ref(), runtime,
            [](void* object) noexcept { delete static_cast<asio_runtime*>(object); }};
}

}  // namespace interop::detail
