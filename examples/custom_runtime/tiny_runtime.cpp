// The runtime_vtable, generated from the loop by interop's adapter kit: each entry
// calls the loop's member function of the same name. The primitives tiny::runtime
// does not offer (name resolution, blocking offload, signals) complete with
// operation_not_supported, and their capability bits stay clear.
#include "tiny_runtime.hpp"

#include <interop/runtime/vtable.hpp>

#include "loop.hpp"

namespace tiny {
namespace {

constexpr interop::runtime_vtable vtable =
    interop::kit::make_vtable<loop, interop::cap_ipv6>("tiny");

}  // namespace

runtime::runtime() : loop_(std::make_unique<loop>()) {}
runtime::~runtime() = default;

// `self` is the loop itself: every entry reaches it without another indirection.
interop::runtime_ref runtime::ref() noexcept { return {&vtable, loop_.get()}; }

}  // namespace tiny
