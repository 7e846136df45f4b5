// Defect: close() completes the reads still pending on the socket inside the call,
// instead of later from the loop. (The runtime's own cancelled completions are then
// swallowed, so each read still completes exactly once.)
#include <mutex>
#include <unordered_map>
#include <vector>

#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class close_completes_inline final : public mutant_runtime {
public:
    explicit close_completes_inline(const conformance::runtime_options& o) : mutant_runtime(o) {
        instance() = this;
        entries().read = [](void* self, io_operation* op) noexcept {
            auto& m = of<close_completes_inline>(self);
            {
                std::lock_guard lock(m.mutex_);
                m.reads_[op] = op->socket;
            }
            tap_completion(
                op, [](operation* done, std::error_code&, std::size_t&) noexcept { forget(done); });
            const runtime_ref in = m.inner();
            in.vtable->read(in.self, op);
        };
        entries().close = [](void* self, socket_handle s) noexcept {
            auto& m = of<close_completes_inline>(self);
            const runtime_ref in = m.inner();
            std::vector<io_operation*> pending;
            {
                std::lock_guard lock(m.mutex_);
                for (auto it = m.reads_.begin(); it != m.reads_.end();) {
                    if (it->second == s) {
                        pending.push_back(it->first);
                        it = m.reads_.erase(it);
                    } else {
                        ++it;
                    }
                }
            }
            std::vector<operation::complete_fn> completions;
            completions.reserve(pending.size());
            for (io_operation* op : pending) completions.push_back(swallow_completion(op));
            in.vtable->close(in.self, s);
            for (std::size_t i = 0; i < pending.size(); ++i) {
                completions[i](pending[i], std::make_error_code(std::errc::operation_canceled), 0);
            }
        };
    }
    ~close_completes_inline() override { instance() = nullptr; }

private:
    static close_completes_inline*& instance() {
        static close_completes_inline* current = nullptr;
        return current;
    }
    static void forget(operation* op) noexcept {
        if (close_completes_inline* m = instance()) {
            std::lock_guard lock(m->mutex_);
            m->reads_.erase(static_cast<io_operation*>(op));
        }
    }

    std::mutex mutex_;
    std::unordered_map<io_operation*, socket_handle> reads_;  // started, not completed
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::close_completes_inline>("mutant-close-completes-inline");
}
