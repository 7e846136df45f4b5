// Completing an operation later, from the loop.
#pragma once

#include <cstddef>
#include <system_error>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "interop/runtime_interface.hpp"

namespace interop::asio_detail {

// A handler that completes `op`. Small enough for Asio's per-thread recycling of
// handler memory, so queuing one does not reach the heap in steady state.
struct complete_op {
    operation* op;
    std::error_code error;
    std::size_t bytes;

    void operator()() const noexcept { op->complete(error, bytes); }
};

// Queues the completion of `op` on the io_context: never runs it inside the call.
inline void complete_later(asio::io_context& context, operation* op, std::error_code error = {},
                           std::size_t bytes = 0) {
    asio::post(context, complete_op{op, error, bytes});
}

}  // namespace interop::asio_detail
