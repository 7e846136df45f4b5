// The coroutine that drives a task nobody awaits: the root of interop::run, a
// spawned task, a scope's child. It starts suspended, is started (usually by a
// post to the runtime, for fairness and to avoid re-entering the spawner), and
// frees its own frame when it finishes.
#pragma once

#include <coroutine>
#include <exception>
#include <utility>

#include "interop/detail/deadline_slot.hpp"
#include "interop/detail/task_record.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/task.hpp"

namespace interop::detail {

// An operation that resumes a coroutine when the runtime runs it.
struct resume_operation : operation {
    resume_operation() noexcept : operation(op_kind::post, &resume_operation::on_run) {}
    static void on_run(operation* op, std::error_code, std::size_t) noexcept {
        static_cast<resume_operation*>(op)->coroutine.resume();
    }
    std::coroutine_handle<> coroutine{};
};

class driver {
public:
    struct promise_type : promise_base {
        driver get_return_object() noexcept {
            return driver{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        // Driver bodies catch everything themselves.
        void unhandled_exception() noexcept { std::terminate(); }

        // Runs the task's first step: from then on it is running, not ready.
        struct start_operation : operation {
            start_operation() noexcept : operation(op_kind::post, &start_operation::on_run) {}
            static void on_run(operation* op, std::error_code, std::size_t) noexcept {
                auto* self = static_cast<start_operation*>(op);
                self->record->wait.clear();
                self->coroutine.resume();
            }
            std::coroutine_handle<> coroutine{};
            task_record* record = nullptr;
        };

        start_operation start_op;
        task_record record;
    };
    using handle_type = std::coroutine_handle<promise_type>;

    driver(driver&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    driver(const driver&) = delete;
    ~driver() {
        if (handle_) handle_.destroy();  // never started
    }

    // Records the task (see task_record.hpp) and posts its start to the context's
    // runtime (or, without a runtime, starts it right here). The task runs in its own
    // copy of `ctx`. Returns false, destroying the unstarted coroutine, if the runtime
    // no longer accepts work.
    bool start(const task_context* ctx, const task_origin& origin) noexcept {
        handle_type h = std::exchange(handle_, {});
        promise_type& p = h.promise();
        begin_task(p.record, *ctx, origin);
        p.record.driven = true;
        p.record.ctx.stop_slot.set(&p.record.stop);
        p.set_context(&p.record.ctx);
        p.start_op.coroutine = h;
        p.start_op.record = &p.record;
        if (!ctx->runtime) {
            p.start_op.complete({}, 0);
            return true;
        }
        if (ctx->runtime.vtable->post(ctx->runtime.self, &p.start_op)) return true;
        end_task(p.record);
        h.destroy();
        return false;
    }

    // What a driver awaits once its task has finished, after release_stop and before
    // it ends the task: the task's deadline timer, if it has one, is cancelled if
    // armed, its completion waited for, and the slot freed.
    struct release_deadline {
        task_record* record;
        bool await_ready() const noexcept { return record->deadline == nullptr; }
        bool await_suspend(std::coroutine_handle<> self) noexcept {
            return record->deadline->release(self);
        }
        void await_resume() const noexcept {
            if (record->deadline != nullptr)
                deadline_slot::destroy(std::exchange(record->deadline, nullptr));
        }
    };

    // Once its task has finished, before anyone hears of it (its stop source may go
    // then): the stop callback of the task's context is removed.
    static void release_stop(task_record* record) noexcept { record->stop.release(); }

private:
    explicit driver(handle_type h) noexcept : handle_(h) {}
    handle_type handle_;
};

}  // namespace interop::detail
