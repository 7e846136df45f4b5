// write_all on a tcp_stream, without a coroutine frame when the first write takes
// every byte at once, which is what happens whenever the kernel's send buffer has
// room (an echo or request/response server, every message).
//
// Where the adapter offers try_write (cap_write_at_once), that first write is its
// fast path: no operation is started, or even built, unless the stream would block,
// another write waits, or the call fails; the operation then writes what is left and
// reports. The awaiter in the frame is the request (runtime, socket, bytes) and room
// for the operation: a write that goes at once writes none of the operation's lines.
//
// The first write starts from await_suspend, as a plain write would. When it
// completes inside the start call with every byte, or with an error, the awaiter
// simply continues. Otherwise the rest is left to a coroutine of its own (allocated
// only then), which writes until everything went out and then continues the awaiter:
// - a short count at once: the coroutine starts at once and writes the rest;
// - the first write waits for room: the write resumes the coroutine instead of the
//   awaiter (leaf_operation allows a different handle until its handshake), so that
//   a short count after the wait can still be continued.
// Results and cancellation are those of the generic write_all (io/write_all.hpp):
// the byte count, or the first error, operation_canceled included. Should the
// coroutine's frame not be allocated while the first write waits, the write is
// awaited alone and a short count is reported as not_enough_memory.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <new>
#include <span>
#include <system_error>

#include "interop/context.hpp"
#include "interop/detail/coop_budget.hpp"
#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/stream_io.hpp"
#include "interop/io_result.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/task.hpp"

namespace interop::detail {

class stream_write_all;

// What write_all writes, and where: the awaiter's part that the fast path reads.
struct write_all_request {
    runtime_ref rt;
    socket_handle socket;
    std::span<const std::byte> data;
};

// The write operation of a write_all on a stream, and the coroutine for what its first
// write leaves: built in the awaiter only when the fast path did not write everything.
class stream_write_all_op : public leaf_operation<io_operation, stream_write_all_op> {
public:
    static constexpr const char* operation_name = "interop::write_all";

    // `written`: what the fast path wrote already.
    stream_write_all_op(const write_all_request* request, std::size_t written) noexcept
        : request_(request), written_(written) {
        op().socket = request->socket;
    }
    stream_write_all_op(const stream_write_all_op&) = delete;
    stream_write_all_op& operator=(const stream_write_all_op&) = delete;
    stream_write_all_op(stream_write_all_op&&) = delete;
    stream_write_all_op& operator=(stream_write_all_op&&) = delete;
    ~stream_write_all_op() = default;

    runtime_ref select_runtime(runtime_ref) const noexcept { return request_->rt; }

    void start(runtime_ref rt) noexcept {
        fill(written_);
        rt.vtable->write(rt.self, &op());
    }

private:
    friend class stream_write_all;

    template <context_promise Promise>
    bool suspend(std::coroutine_handle<Promise> awaiter, task_context* ctx) {
        switch (begin(awaiter, ctx)) {
            case began::refused:
                take_first_result();
                return false;
            case began::finished:
                if (take_first_result()) return yield_if_over_budget(ctx);
                rest_ = write_rest(this, false);  // a short count: write the rest now
                return start_rest(awaiter, ctx);
            case began::pending:
                break;
        }
        try {
            rest_ = write_rest(this, true);
        } catch (const std::bad_alloc&) {
            first_alone_ = true;  // await the one write; result() takes its result
            return wait_for_completion(awaiter, ctx);
        }
        auto& promise = rest_.handle().promise();
        promise.set_context(ctx);
        promise.continuation = awaiter;
        // The coroutine is started by the write's completion, not by the awaiter: its
        // end must continue the awaiter without a second party to the handshake.
        promise.handshake.store(true, std::memory_order_relaxed);
        if (wait_for_completion(rest_.handle(), ctx)) return true;
        // The write completed before the handshake: nothing resumes the coroutine,
        // start it here as an ordinary awaited task.
        promise.handshake.store(false, std::memory_order_relaxed);
        return start_rest(awaiter, ctx);
    }

    io_result<std::size_t> result() {
        if (first_alone_) take_first_result();
        if (rest_.valid()) rest_.handle().promise().take_result();  // rethrows, if it threw
        if (failed_) return failed_;
        // Short only when first_alone_.
        if (written_ < request_->data.size()) return std::errc::not_enough_memory;
        return written_;
    }

    // Runs the coroutine for the rest as a task awaited by `awaiter`; true when the
    // awaiter must suspend.
    bool start_rest(std::coroutine_handle<> awaiter, task_context* ctx) {
        auto& promise = rest_.handle().promise();
        promise.set_context(ctx);
        return promise.start_awaited(rest_.handle(), awaiter);
    }

    void fill(std::size_t from) noexcept {
        op().kind = op_kind::write;
        // The adapter only reads through the pointer of a write.
        op().data = const_cast<std::byte*>(request_->data.data() + from);
        op().size = request_->data.size() - from;
    }

    // Records the first write's outcome; true when nothing is left to write.
    bool take_first_result() noexcept {
        finish();
        if (failed()) {
            failed_ = error();
            return true;
        }
        written_ += transferred();
        return written_ == request_->data.size();
    }

    static task<void> write_rest(stream_write_all_op* self, bool first_pending) {
        if (first_pending && self->take_first_result()) co_return;
        const std::span<const std::byte> data = self->request_->data;
        while (self->written_ < data.size()) {
            const std::size_t from = self->written_;
            // A named awaitable: GCC 12 mishandles owning temporaries in a co_await
            // operand (docs/compilers.md).
            stream_write write{self->request_->rt, self->request_->socket,
                               const_cast<std::byte*>(data.data() + from), data.size() - from,
                               std::errc{}};
            auto n = co_await write;
            if (!n) {
                self->failed_ = n.error();
                co_return;
            }
            self->written_ += *n;
        }
    }

    const write_all_request* request_;
    std::size_t written_;
    std::error_code failed_{};
    task<void> rest_{};
    bool first_alone_ = false;
};

class stream_write_all {
public:
    stream_write_all(runtime_ref rt, socket_handle s, std::span<const std::byte> bytes,
                     std::errc precheck) noexcept
        : request_{rt, s, bytes}, precheck_(precheck) {}
    // Movable before it starts only, as every awaitable of an operation: the operation
    // is not built yet.
    stream_write_all(stream_write_all&& other) noexcept
        : request_(other.request_), precheck_(other.precheck_) {}
    stream_write_all(const stream_write_all&) = delete;
    stream_write_all& operator=(const stream_write_all&) = delete;
    stream_write_all& operator=(stream_write_all&&) = delete;
    ~stream_write_all() {
        if (built_) operation().~stream_write_all_op();
    }

    bool await_ready() const noexcept { return precheck_ != std::errc{} || request_.data.empty(); }

    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        task_context* ctx = stream_write_all_op::context_for(awaiter);
        const std::size_t written = write_at_once(ctx);
        if (written == request_.data.size()) {
            if (!coop_spend()) return false;
            return build(written).yield_turn_for(ctx, awaiter);
        }
        return build(written).suspend(awaiter, ctx);
    }

    io_result<std::size_t> await_resume() {
        if (precheck_ != std::errc{}) return precheck_;
        if (request_.data.empty()) return std::size_t{0};
        if (!built_) return request_.data.size();  // all of it went at once
        return operation().result();
    }

private:
    // The adapter's fast path (try_write, cap_write_at_once), on the stream's own
    // runtime: what it wrote, with no operation started. A stop already requested, a
    // refusal and a short count leave the rest to the write operation, which reports
    // what the fast path does not.
    std::size_t write_at_once(const task_context* ctx) const noexcept {
        const auto try_write = request_.rt.vtable->try_write;
        if (try_write == nullptr || ctx->runtime.self != request_.rt.self ||
            ctx->stop_token.stop_requested())
            return 0;
        return try_write(request_.rt.self, request_.socket, request_.data.data(),
                         request_.data.size());
    }

    stream_write_all_op& build(std::size_t written) noexcept {
        built_ = true;
        return *new (operation_) stream_write_all_op(&request_, written);
    }
    stream_write_all_op& operation() noexcept {
        return *std::launder(reinterpret_cast<stream_write_all_op*>(operation_));
    }

    write_all_request request_;
    std::errc precheck_;
    bool built_ = false;
    // The operation's room, written only once it is built.
    alignas(stream_write_all_op) std::byte operation_[sizeof(stream_write_all_op)];
};

}  // namespace interop::detail
