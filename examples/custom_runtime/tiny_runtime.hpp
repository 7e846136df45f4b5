// tiny::runtime: a small runtime for interop, written outside interop's tree.
//
// One thread runs everything: a run queue, a binary heap of timers and an epoll
// reactor. It implements interop's primitive interface (<interop/runtime/interface.hpp>)
// and nothing more, and the conformance suite certifies it (conformance_backend.cpp).
//
//     tiny::runtime rt;
//     int answer = interop::run(rt.ref(), compute());
//
// It declares one capability, cap_ipv6. It does not offer name resolution, blocking
// offload, signals or virtual time: the suite reports those behaviours as n/a.
#pragma once

#include <memory>

#include <interop/runtime/interface.hpp>

namespace tiny {

class loop;

class runtime {
public:
    runtime();
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    // What interop's core is given: the vtable and this object.
    interop::runtime_ref ref() noexcept;

private:
    std::unique_ptr<loop> loop_;
};

}  // namespace tiny
