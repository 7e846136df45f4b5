// Defect: a cancel from another thread is remembered by the operation's address only,
// and carried out later on the loop's thread against whatever operation is pending at
// that address by then: a request that came too late for the operation it was meant
// for cancels a new one that reuses the memory.
#include <mutex>
#include <vector>

#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class cancel_by_address final : public mutant_runtime {
public:
    explicit cancel_by_address(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().cancel = [](void* self, operation* op) noexcept {
            auto& m = of<cancel_by_address>(self);
            const runtime_ref in = m.inner();
            if (in.vtable->in_runtime_thread(in.self)) return in.vtable->cancel(in.self, op);
            bool post = false;
            {
                std::lock_guard lock(m.mutex_);
                m.addresses_.push_back(op);
                post = !m.posted_;
                m.posted_ = true;
            }
            if (post && !in.vtable->post(in.self, &m.carry_out_)) {
                std::lock_guard lock(m.mutex_);
                m.posted_ = false;
            }
        };
    }
    ~cancel_by_address() override { destroy_inner(); }

private:
    struct carry_out : operation {
        explicit carry_out(cancel_by_address* m) noexcept
            : operation(op_kind::post, &carry_out::run), owner(m) {}
        static void run(operation* base, std::error_code, std::size_t) noexcept {
            cancel_by_address& m = *static_cast<carry_out*>(base)->owner;
            std::vector<operation*> addresses;
            {
                std::lock_guard lock(m.mutex_);
                addresses.swap(m.addresses_);
                m.posted_ = false;
            }
            const runtime_ref in = m.inner();
            for (operation* op : addresses)
                in.vtable->cancel(in.self, op);  // whatever is there now
        }
        cancel_by_address* owner;
    };

    std::mutex mutex_;
    std::vector<operation*> addresses_;
    bool posted_ = false;
    carry_out carry_out_{this};
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::cancel_by_address>("mutant-cancel-by-address");
}
