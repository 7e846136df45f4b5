// Defect: a cancelled read loses a byte. Cancelling a pending read also starts a
// hidden one-byte read on the same socket, which swallows the next byte to arrive.
#include <memory>
#include <vector>

#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

struct swallowed_byte : io_operation {
    swallowed_byte() noexcept
        : io_operation([](operation*, std::error_code, std::size_t) noexcept {}) {}
    std::byte byte{};
};

class read_cancel_drops_byte final : public mutant_runtime {
public:
    explicit read_cancel_drops_byte(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().cancel = [](void* self, operation* op) noexcept {
            auto& m = of<read_cancel_drops_byte>(self);
            const runtime_ref in = m.inner();
            // The socket is read while the operation may still be pending: take it first.
            const socket_handle socket =
                op->kind == op_kind::read ? static_cast<io_operation*>(op)->socket : nullptr;
            in.vtable->cancel(in.self, op);
            // Primitives other than cancel belong to the loop's thread. On it, the
            // cancel took the read off the socket at once, so the hidden read is the
            // socket's one pending read and gets the next byte.
            if (socket != nullptr && in.vtable->in_runtime_thread(in.self)) {
                auto& hidden = *m.hidden_.emplace_back(std::make_unique<swallowed_byte>());
                hidden.socket = socket;
                hidden.data = &hidden.byte;
                hidden.size = 1;
                in.vtable->read(in.self, &hidden);
            }
        };
    }
    // The runtime may still hold hidden reads: it goes first.
    ~read_cancel_drops_byte() override { destroy_inner(); }

private:
    std::vector<std::unique_ptr<swallowed_byte>> hidden_;
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::read_cancel_drops_byte>("mutant-read-cancel-drops-byte");
}
