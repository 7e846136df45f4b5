// write_all on a standard stream (interop/stdio.hpp). A polled stream has its socket's
// (no coroutine frame when the first write takes everything: stream_write_all.hpp); one
// served by file calls writes in a coroutine, as the generic write_all does. Either way
// the results and cancellation are the generic write_all's (io/write_all.hpp).
#pragma once

#include <coroutine>
#include <cstddef>
#include <optional>
#include <utility>

#include "interop/context.hpp"
#include "interop/detail/stream_write_all.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop::detail {

class stdio_write_all {
public:
    explicit stdio_write_all(stream_write_all polled) noexcept
        : polled_(std::in_place, std::move(polled)) {}
    explicit stdio_write_all(task<io_result<std::size_t>> looped) noexcept
        : looped_(std::move(looped)) {}

    bool await_ready() const noexcept { return polled_.has_value() && polled_->await_ready(); }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        if (polled_) return polled_->await_suspend(awaiter);
        return looped_awaiter().await_suspend(awaiter);
    }
    io_result<std::size_t> await_resume() {
        if (polled_) return polled_->await_resume();
        return looped_awaiter().await_resume();
    }

private:
    // The task stays the frame's owner; its awaiter only names it.
    task<io_result<std::size_t>>::awaiter looped_awaiter() const noexcept {
        return {looped_.handle()};
    }

    std::optional<stream_write_all> polled_;
    task<io_result<std::size_t>> looped_;
};

}  // namespace interop::detail
