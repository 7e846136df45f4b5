// How the conformance suite reaches a runtime: every backend (built-in or a third
// party's) provides one factory source that defines conformance::make_backend().
#pragma once

#include <cstdint>
#include <memory>

#include "interop/runtime/interface.hpp"

namespace interop::conformance {

// A live runtime owned by the test that asked for it.
class runtime_instance {
public:
    virtual ~runtime_instance() = default;
    virtual runtime_ref ref() noexcept = 0;
};

struct runtime_options {
    bool virtual_time = false;  // only asked of backends that declare cap_virtual_time
};

struct backend {
    const char* name;
    // Capabilities of runtimes this backend creates (the union over options).
    std::uint32_t capabilities;
    std::unique_ptr<runtime_instance> (*make_runtime)(const runtime_options&);
};

// Defined by the backend's factory source.
backend make_backend();

}  // namespace interop::conformance
