// Completing an operation later, from the loop.
#pragma once

#include <cstddef>
#include <system_error>

#include <utility>

#include <asio/bind_allocator.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "interop/recycling_allocator.hpp"
#include "interop/runtime_interface.hpp"

namespace interop::asio_detail {

// `handler` with interop's recycled memory as its allocator. Asio keeps only a couple of
// handler blocks per thread for reuse; with more handlers than that in flight at once
// (a few per connection, a thousand connections) it would reach the heap for every
// message. interop's blocks are recycled without such a limit.
template <typename Handler>
auto recycled(Handler&& handler) {
    return asio::bind_allocator(recycling_allocator<void>{}, std::forward<Handler>(handler));
}

// A handler that completes `op`.
struct complete_op {
    operation* op;
    std::error_code error;
    std::size_t bytes;

    void operator()() const noexcept { op->complete(error, bytes); }
};

// Queues the completion of `op` on the io_context: never runs it inside the call.
inline void complete_later(asio::io_context& context, operation* op, std::error_code error = {},
                           std::size_t bytes = 0) {
    asio::post(context, recycled(complete_op{op, error, bytes}));
}

}  // namespace interop::asio_detail
