// Defect: now() is read once per turn of the loop and cached, so it stands still while
// a turn runs: a sleep started late in a long turn is measured from a stale now and
// ends early.
#include <atomic>

#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class clock_cached_per_turn final : public mutant_runtime {
public:
    explicit clock_cached_per_turn(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().now = [](void* self) noexcept {
            auto& m = of<clock_cached_per_turn>(self);
            const runtime_ref in = m.inner();
            // The first reading of a turn refreshes the cache and posts a marker; the
            // cache stays until the marker has run, that is, until the next turn.
            if (!m.marker_pending_.exchange(true)) {
                m.cached_.store(in.vtable->now(in.self).time_since_epoch().count());
                if (!in.vtable->post(in.self, &m.marker_)) m.marker_pending_.store(false);
            }
            return runtime_clock::time_point(runtime_clock::duration(m.cached_.load()));
        };
    }
    ~clock_cached_per_turn() override { destroy_inner(); }

private:
    struct turn_marker : operation {
        explicit turn_marker(clock_cached_per_turn* m) noexcept
            : operation(op_kind::post, &turn_marker::run), owner(m) {}
        static void run(operation* base, std::error_code, std::size_t) noexcept {
            static_cast<turn_marker*>(base)->owner->marker_pending_.store(false);
        }
        clock_cached_per_turn* owner;
    };

    std::atomic<bool> marker_pending_{false};
    std::atomic<runtime_clock::rep> cached_{0};
    turn_marker marker_{this};
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::clock_cached_per_turn>("mutant-clock-cached-per-turn");
}
