// The awaitable of a stream's read or write: one operation, whose fields are the only
// copy of the request. The direction is part of the type, so that starting the
// operation and noting what the task waits on take no test of it.
#pragma once

#include <cstddef>
#include <system_error>
#include <utility>

#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/wait_kinds.hpp"
#include "interop/io_result.hpp"
#include "interop/runtime/interface.hpp"

namespace interop::detail {

template <op_kind Direction>
class stream_io : public leaf_operation<io_operation, stream_io<Direction>> {
    static_assert(Direction == op_kind::read || Direction == op_kind::write);
    using base = leaf_operation<io_operation, stream_io<Direction>>;

public:
    static constexpr const char* operation_name = "interop::tcp_stream read/write";

    // The operation is filled in here, once: its fields are the only copy of the
    // request (an awaiter lives in the awaiting frame, next to the caller's buffer, and
    // every byte of it is touched per message).
    stream_io(runtime_ref rt, socket_handle s, std::byte* buffer, std::size_t length,
              std::errc precheck) noexcept
        : rt_(rt), precheck_(precheck) {
        fill(s, buffer, length);
    }
    // The base takes nothing from `other` (a moved operation starts afresh), so the
    // request is read from `other` below.
    stream_io(stream_io&& other) noexcept : base(), rt_(other.rt_), precheck_(other.precheck_) {
        fill(other.op().socket, other.op().data, other.op().size);
    }

    bool await_ready() const noexcept { return precheck_ != std::errc{} || this->size == 0; }
    runtime_ref select_runtime(runtime_ref) const noexcept { return rt_; }
    void start(runtime_ref rt) noexcept {
        if constexpr (Direction == op_kind::read) {
            rt.vtable->read(rt.self, &this->op());
        } else {
            rt.vtable->write(rt.self, &this->op());
        }
    }
    ::interop::detail::wait_note wait_note() const noexcept {
        return {Direction == op_kind::read ? &wait_read : &wait_write, this->socket, 0};
    }
    io_result<std::size_t> await_resume() noexcept {
        if (precheck_ != std::errc{}) return precheck_;
        if (this->size == 0) return std::size_t{0};
        this->finish();
        if (this->failed()) return this->error();
        return this->transferred();
    }

private:
    void fill(socket_handle s, std::byte* buffer, std::size_t length) noexcept {
        this->op().kind = Direction;
        this->op().socket = s;
        this->op().data = buffer;
        this->op().size = length;
    }

    runtime_ref rt_;
    std::errc precheck_;
};

using stream_read = stream_io<op_kind::read>;
using stream_write = stream_io<op_kind::write>;

}  // namespace interop::detail
