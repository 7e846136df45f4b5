/// \file
/// Concrete models of Timer, Spawn and Runtime bound to one runtime_ref, for code
/// that wants an explicit handle instead of the awaiting task's context.
#pragma once

#include "interop/spawn.hpp"
#include "interop/time.hpp"

namespace interop {

/// A model of Timer, Spawn and Runtime bound to one runtime_ref, for code that
/// wants an explicit handle instead of the awaiting task's context.
class runtime_handle {
public:
    explicit runtime_handle(runtime_ref rt) noexcept : rt_(rt) {}

    runtime_ref ref() const noexcept { return rt_; }
    time_point now() const noexcept { return interop::now(rt_); }
    /// Sleeps run on the awaiting task's runtime, which is expected to be this one.
    detail::sleep_awaitable sleep_for(duration d) const noexcept { return interop::sleep_for(d); }
    detail::sleep_awaitable sleep_until(time_point t) const noexcept {
        return interop::sleep_until(t);
    }
    template <typename T>
    join_handle<T> spawn(task<T> t) const {
        return interop::spawn(rt_, std::move(t));
    }

private:
    runtime_ref rt_;
};

}  // namespace interop
