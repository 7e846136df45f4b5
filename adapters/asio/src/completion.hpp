// Completing an operation later, from the loop.
#pragma once

#include <cstddef>
#include <system_error>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "handler_memory.hpp"
#include "interop/runtime/interface.hpp"

namespace interop::asio_detail {

// A handler that completes `op`.
struct complete_op {
    operation* op;
    std::error_code error;
    std::size_t bytes;

    void operator()() const noexcept { op->complete(error, bytes); }
};

// Queues the completion of `op` on the io_context: never runs it inside the call.
// `multi_threaded`: several threads run the io_context (see handler_memory.hpp).
inline void complete_later(asio::io_context& context, bool multi_threaded, operation* op,
                           std::error_code error = {}, std::size_t bytes = 0) {
    asio::post(context, recycled(multi_threaded, complete_op{op, error, bytes}));
}

}  // namespace interop::asio_detail
