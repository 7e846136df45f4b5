// write_all on a tcp_stream, without a coroutine frame when the first write takes
// every byte at once, which is what happens whenever the kernel's send buffer has
// room (an echo or request/response server, every message).
//
// Where the adapter offers try_write (cap_write_at_once), that first write is its
// fast path: no operation is started at all unless the stream would block, another
// write waits, or the call fails; the operation then writes what is left and reports.
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
#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/stream_io.hpp"
#include "interop/io_result.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/task.hpp"

namespace interop::detail {

class stream_write_all : public leaf_operation<io_operation, stream_write_all> {
public:
    static constexpr const char* operation_name = "interop::write_all";

    stream_write_all(runtime_ref rt, socket_handle s, std::span<const std::byte> bytes,
                     std::errc precheck) noexcept
        : rt_(rt), data_(bytes), precheck_(precheck) {
        op().socket = s;
    }
    // Like every leaf operation: movable before it starts only. The base takes nothing
    // from `other` (a moved operation starts afresh), so the request is read from it.
    stream_write_all(stream_write_all&& other) noexcept
        : leaf_operation(), rt_(other.rt_), data_(other.data_), precheck_(other.precheck_) {
        op().socket = other.op().socket;
    }

    bool await_ready() const noexcept { return precheck_ != std::errc{} || data_.empty(); }

    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        task_context* ctx = context_for(awaiter);
        if (write_at_once(ctx)) return yield_if_over_budget(ctx, awaiter);
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
            first_alone_ = true;  // await the one write; await_resume takes its result
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

    runtime_ref select_runtime(runtime_ref) const noexcept { return rt_; }

    void start(runtime_ref rt) noexcept {
        fill(written_);
        rt.vtable->write(rt.self, &op());
    }

    io_result<std::size_t> await_resume() {
        if (precheck_ != std::errc{}) return precheck_;
        if (data_.empty()) return std::size_t{0};
        if (first_alone_) take_first_result();
        if (rest_.valid()) rest_.handle().promise().take_result();  // rethrows, if it threw
        if (failed_) return failed_;
        if (written_ < data_.size()) return std::errc::not_enough_memory;  // first_alone_ only
        return written_;
    }

private:
    // The adapter's fast path (try_write, cap_write_at_once), on the stream's own
    // runtime: true when every byte went, with no operation started. A stop already
    // requested, a refusal and a short count leave the rest to the write operation
    // (start() fills it from written_), which reports what the fast path does not.
    bool write_at_once(const task_context* ctx) noexcept {
        const auto try_write = rt_.vtable->try_write;
        if (try_write == nullptr || ctx->runtime.self != rt_.self ||
            ctx->stop_token.stop_requested())
            return false;
        written_ = try_write(rt_.self, op().socket, data_.data(), data_.size());
        return written_ == data_.size();
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
        op().data = const_cast<std::byte*>(data_.data() + from);
        op().size = data_.size() - from;
    }

    // Records the first write's outcome; true when nothing is left to write.
    bool take_first_result() noexcept {
        finish();
        if (failed()) {
            failed_ = error();
            return true;
        }
        written_ += transferred();
        return written_ == data_.size();
    }

    static task<void> write_rest(stream_write_all* self, bool first_pending) {
        if (first_pending && self->take_first_result()) co_return;
        while (self->written_ < self->data_.size()) {
            const std::size_t from = self->written_;
            // A named awaitable: GCC 12 mishandles owning temporaries in a co_await
            // operand (docs/compilers.md).
            stream_write write{self->rt_, self->op().socket,
                               const_cast<std::byte*>(self->data_.data() + from),
                               self->data_.size() - from, std::errc{}};
            auto n = co_await write;
            if (!n) {
                self->failed_ = n.error();
                co_return;
            }
            self->written_ += *n;
        }
    }

    // The socket is the operation's (op().socket), kept there once.
    runtime_ref rt_;
    std::span<const std::byte> data_;
    std::errc precheck_;
    bool first_alone_ = false;  // beside precheck_, in what would be padding
    std::size_t written_ = 0;
    std::error_code failed_{};
    task<void> rest_{};
};

}  // namespace interop::detail
