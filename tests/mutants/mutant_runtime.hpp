// A deliberately broken runtime, for the conformance suite's self-test: the inline
// runtime behind a copy of its vtable in which one entry is replaced by a defective
// one. Every other entry forwards to the real runtime unchanged, so each mutant has
// exactly one defect, and the suite must catch it.
//
//     class early_timers final : public mutant_runtime {
//         explicit early_timers(const conformance::runtime_options& o) : mutant_runtime(o) {
//             entries().timer_start = [](void* self, timer_operation* op) noexcept { ... };
//         }
//     };
//     conformance::backend make_backend() { return backend_of<early_timers>("mutant-early-timers");
//     }
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <system_error>

#include "interop/conformance/backend.hpp"
#include "interop/inline_runtime.hpp"

namespace interop::mutants {

class mutant_runtime : public conformance::runtime_instance {
public:
    explicit mutant_runtime(const conformance::runtime_options& options);
    ~mutant_runtime() override;
    mutant_runtime(const mutant_runtime&) = delete;
    mutant_runtime& operator=(const mutant_runtime&) = delete;

    runtime_ref ref() noexcept override { return {&entries_, static_cast<mutant_runtime*>(this)}; }

    // The real runtime, which the defective entries forward to.
    runtime_ref inner() const noexcept { return inner_ref_; }
    interop::core_slot* core() noexcept { return &core_; }

    // The mutant a vtable entry was called for.
    template <typename Mutant>
    static Mutant& of(void* self) noexcept {
        return static_cast<Mutant&>(*static_cast<mutant_runtime*>(self));
    }

protected:
    // The table ref() hands out; a mutant replaces one entry in its constructor.
    runtime_vtable& entries() noexcept { return entries_; }
    // Destroys the real runtime now: a mutant whose own members the runtime may still
    // point at (operations it started) calls this first in its destructor.
    void destroy_inner() noexcept { inner_.reset(); }

private:
    std::optional<inline_runtime> inner_;
    runtime_ref inner_ref_;
    runtime_vtable entries_;
    interop::core_slot core_;
};

// A backend whose runtimes are `Mutant`s; it declares what the inline backend declares.
template <typename Mutant>
conformance::backend backend_of(const char* name) {
    return conformance::backend{
        name,
        cap_virtual_time | cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals,
        [](const conformance::runtime_options& o)
            -> std::unique_ptr<conformance::runtime_instance> {
            return std::make_unique<Mutant>(o);
        },
    };
}

// Lets a mutant change an operation's result on its way back to the core: the
// operation's completion function is swapped for one that applies `change` and then
// calls the original. Thread-safe; the entry goes away when the operation completes.
using result_change = void (*)(operation* op, std::error_code& ec, std::size_t& n) noexcept;
void tap_completion(operation* op, result_change change);

// Makes the runtime's own completion of `op` do nothing, and returns the function that
// really completes it, for a mutant that completes the operation itself.
operation::complete_fn swallow_completion(operation* op) noexcept;

}  // namespace interop::mutants
