// Defect: a wake from a foreign thread is lost. While the loop runs, a post from a
// thread that is not the loop's is queued without waking the loop: it runs only when
// the loop's own thread next posts something. A busy runtime still gets it; an idle
// one never does.
#include <atomic>
#include <mutex>
#include <vector>

#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class lost_foreign_wake final : public mutant_runtime {
public:
    explicit lost_foreign_wake(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().post = [](void* self, operation* op) noexcept {
            auto& m = of<lost_foreign_wake>(self);
            const runtime_ref in = m.inner();
            if (!in.vtable->in_runtime_thread(in.self)) {
                std::lock_guard lock(m.mutex_);
                if (m.running_) {
                    m.unseen_.push_back(op);  // no wake-up: the defect
                    return true;
                }
                return in.vtable->post(in.self, op);  // before run(): seen when it starts
            }
            m.take_unseen();
            return in.vtable->post(in.self, op);
        };
        entries().run = [](void* self) {
            auto& m = of<lost_foreign_wake>(self);
            {
                std::lock_guard lock(m.mutex_);
                m.running_ = true;
            }
            const runtime_ref in = m.inner();
            in.vtable->run(in.self);
            std::lock_guard lock(m.mutex_);
            m.running_ = false;
        };
    }

private:
    // On the loop's thread: hands over what foreign threads left.
    void take_unseen() {
        std::vector<operation*> ops;
        {
            std::lock_guard lock(mutex_);
            ops.swap(unseen_);
        }
        const runtime_ref in = inner();
        for (operation* op : ops) (void)in.vtable->post(in.self, op);
    }

    std::mutex mutex_;
    bool running_ = false;
    std::vector<operation*> unseen_;
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::lost_foreign_wake>("mutant-lost-foreign-wake");
}
