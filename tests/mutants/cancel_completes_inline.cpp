// Defect: cancel() completes a pending timer inside the call, instead of later from
// the loop. (The runtime's own cancelled completion, queued as it should be, is then
// swallowed, so the operation still completes exactly once.)
#include <mutex>
#include <unordered_set>

#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class cancel_completes_inline final : public mutant_runtime {
public:
    explicit cancel_completes_inline(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().timer_start = [](void* self, timer_operation* op) noexcept {
            auto& m = of<cancel_completes_inline>(self);
            {
                std::lock_guard lock(m.mutex_);
                m.timers_.insert(op);
            }
            tap_completion(
                op, [](operation* done, std::error_code&, std::size_t&) noexcept { forget(done); });
            const runtime_ref in = m.inner();
            in.vtable->timer_start(in.self, op);
        };
        entries().cancel = [](void* self, operation* op) noexcept {
            auto& m = of<cancel_completes_inline>(self);
            const runtime_ref in = m.inner();
            bool pending_timer;
            {
                std::lock_guard lock(m.mutex_);
                pending_timer = m.timers_.erase(op) != 0;
            }
            if (!pending_timer) return in.vtable->cancel(in.self, op);
            const operation::complete_fn complete = swallow_completion(op);
            in.vtable->cancel(in.self, op);
            complete(op, std::make_error_code(std::errc::operation_canceled), 0);
        };
        instance() = this;
    }
    ~cancel_completes_inline() override { instance() = nullptr; }

private:
    static cancel_completes_inline*& instance() {
        static cancel_completes_inline* current = nullptr;
        return current;
    }
    static void forget(operation* op) noexcept {
        if (cancel_completes_inline* m = instance()) {
            std::lock_guard lock(m->mutex_);
            m->timers_.erase(op);
        }
    }

    std::mutex mutex_;
    std::unordered_set<operation*> timers_;  // started, not completed
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::cancel_completes_inline>("mutant-cancel-completes-inline");
}
