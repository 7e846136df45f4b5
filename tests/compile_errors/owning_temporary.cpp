// Must not compile on GCC 12: a callable that owns resources, created inside the
// co_await expression that awaits with_scope, serve or spawn_blocking, which GCC 12
// would destroy twice at run time (docs/compilers.md). Built only by the test that
// expects the compile error, once per CASE.
#include <memory>
#include <string>

#include "interop/blocking.hpp"
#include "interop/scope.hpp"
#include "interop/serve.hpp"

interop::task<void> refused(interop::tcp_listener& listener) {
    auto owned = std::make_shared<std::string>("owned");
#if CASE == 1
    co_await interop::with_scope([owned](interop::scope&) -> interop::task<> { co_return; });
#elif CASE == 2
    (void)co_await interop::serve(listener,
                                  [owned](interop::tcp_stream) -> interop::task<> { co_return; });
#elif CASE == 3
    (void)co_await interop::spawn_blocking([owned] { return owned->size(); });
#endif
    (void)listener;
}
