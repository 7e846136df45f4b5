/// \file
/// concurrency_limit_layer: at most n calls of a service at once.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <utility>

#include "interop/io_result.hpp"
#include "interop/service/service.hpp"
#include "interop/sync/semaphore.hpp"
#include "interop/task.hpp"

namespace interop {

/// At most `n` calls at once: a call takes a slot first (waiting for one, first come
/// first served) and holds it until the inner call has finished. Copies share the
/// slots, so a service copied per connection is limited as a whole. ready() waits
/// until a slot is free, then for the inner service.
template <typename S>
class concurrency_limit_service {
public:
    using response = typename S::response;
    concurrency_limit_service(S inner, std::size_t n)
        : inner_(std::move(inner)), slots_(make_slots(n)) {}
    task<io_result<void>> ready() {
        {
            auto slot = co_await slots_->acquire();  // given back at once: a hint
            if (!slot) co_return slot.error();
        }
        auto inner_ready = inner_.ready();
        co_return co_await std::move(inner_ready);
    }
    bool ready_now() {
        return slots_->try_acquire().has_value() && detail::service_ready_now(inner_);
    }
    template <typename Request>
    task<io_result<response>> call(Request request) {
        auto slot = co_await slots_->acquire();
        if (!slot) co_return slot.error();
        auto inner_call = inner_.call(std::move(request));
        co_return co_await std::move(inner_call);
    }

private:
    static std::shared_ptr<semaphore> make_slots(std::size_t n) {
        // No slot at all would make every call wait forever.
        if (n == 0)
            throw std::invalid_argument("interop::concurrency_limit_layer: n must be at least 1");
        return std::make_shared<semaphore>(n);
    }

    S inner_;
    std::shared_ptr<semaphore> slots_;
};

/// The layer of concurrency_limit_service.
struct concurrency_limit_layer {
    explicit concurrency_limit_layer(std::size_t n) : limit(n) {}
    template <typename S>
    concurrency_limit_service<S> operator()(S inner) const {
        return concurrency_limit_service<S>(std::move(inner), limit);
    }
    std::size_t limit;
};

}  // namespace interop
