// The awaitable of a stream's read or write: one operation, whose fields are the only
// copy of the request.
#pragma once

#include <cstddef>
#include <system_error>
#include <utility>

#include "interop/detail/leaf_operation.hpp"
#include "interop/io_result.hpp"
#include "interop/runtime/interface.hpp"

namespace interop::detail {

class stream_io : public leaf_operation<io_operation, stream_io> {
public:
    static constexpr const char* operation_name = "interop::tcp_stream read/write";

    // The operation is filled in here, once: its fields are the only copy of the
    // request (an awaiter lives in the awaiting frame, next to the caller's buffer, and
    // every byte of it is touched per message).
    stream_io(op_kind direction, runtime_ref rt, socket_handle s, std::byte* buffer,
              std::size_t length, std::errc precheck) noexcept
        : rt_(rt), precheck_(precheck) {
        fill(direction, s, buffer, length);
    }
    // The base takes nothing from `other` (a moved operation starts afresh), so the
    // request is read from `other` below.
    stream_io(stream_io&& other) noexcept
        : leaf_operation(), rt_(other.rt_), precheck_(other.precheck_) {
        fill(other.op().kind, other.op().socket, other.op().data, other.op().size);
    }

    bool await_ready() const noexcept { return precheck_ != std::errc{} || this->size == 0; }
    runtime_ref select_runtime(runtime_ref) const noexcept { return rt_; }
    void start(runtime_ref rt) noexcept {
        if (op().kind == op_kind::read) {
            rt.vtable->read(rt.self, &op());
        } else {
            rt.vtable->write(rt.self, &op());
        }
    }
    io_result<std::size_t> await_resume() noexcept {
        if (precheck_ != std::errc{}) return precheck_;
        if (this->size == 0) return std::size_t{0};
        finish();
        if (error()) return error();
        return transferred();
    }

private:
    void fill(op_kind direction, socket_handle s, std::byte* buffer, std::size_t length) noexcept {
        op().kind = direction;
        op().socket = s;
        op().data = buffer;
        op().size = length;
    }

    runtime_ref rt_;
    std::errc precheck_;
};

}  // namespace interop::detail
