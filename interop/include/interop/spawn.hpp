/// \file
/// Unstructured spawn: start a task that runs on its own and get a join handle.
///
/// Scopes (scope.hpp) are the first choice; spawn is for work whose lifetime is not
/// tied to one caller. A spawned task is not cancelled with the task that spawned
/// it; it is cancelled by its handle's cancel() or when the run shuts down.
/// Destroying a join_handle detaches the task (it keeps running).
#pragma once

#include <algorithm>
#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "interop/detail/driver.hpp"
#include "interop/detail/invoke_task.hpp"
#include "interop/detail/resume_on.hpp"
#include "interop/detail/run_state.hpp"
#include "interop/detail/wait_kinds.hpp"
#include "interop/io_result.hpp"
#include "interop/run.hpp"
#include "interop/task.hpp"
#include "interop/task_name.hpp"

namespace interop {

namespace detail {

// std::logic_error for `co_await handle` on a handle that holds no task.
[[noreturn]] void throw_empty_join_handle();

// Shared by the driver of a spawned task and its join_handle; freed by whichever
// lets go last.
template <typename T>
class join_state {
public:
    explicit join_state(runtime_ref rt, run_state* run) : context{rt, source.get_token(), run} {}

    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }

    void release() noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    void cancel() noexcept {
        if (phase_.load(std::memory_order_acquire) == finished) return;
        cancelled_.store(true, std::memory_order_release);
        source.request_stop();
    }

    // The driver has stored the result. The joiner continues on its own runtime.
    void finish() noexcept {
        if (phase_.exchange(finished, std::memory_order_acq_rel) == awaited) joiner_->resume();
    }

    bool done() const noexcept { return phase_.load(std::memory_order_acquire) == finished; }

    // Returns false when the result is already there.
    bool park(remote_waiter* joiner) noexcept {
        joiner_ = joiner;
        return phase_.exchange(awaited, std::memory_order_acq_rel) != finished;
    }

    flat_io_result_t<T> take() {
        if (result.state.index() == 2) std::rethrow_exception(std::get<2>(result.state));
        if (cancelled_.load(std::memory_order_acquire) || result.state.index() == 0) {
            return std::errc::operation_canceled;
        }
        if constexpr (std::is_void_v<T>) {
            return {};
        } else {
            return std::move(std::get<1>(result.state));
        }
    }

    stop_source source;
    task_context context;
    std::uint64_t task_id = next_task_id();
    std::optional<stop_callback<stop_requester>> shutdown_link;
    outcome<T> result;

private:
    enum : int { running = 0, finished = 1, awaited = 2 };
    std::atomic<int> refs_{2};
    std::atomic<int> phase_{running};
    std::atomic<bool> cancelled_{false};
    remote_waiter* joiner_ = nullptr;
};

template <typename T>
void finish_spawned(void* arg) noexcept {
    auto* st = static_cast<join_state<T>*>(arg);
    run_state* run = st->context.run;
    st->shutdown_link.reset();
    st->finish();
    st->release();
    if (run != nullptr) run->leave();
}

}  // namespace detail

/// The handle of a spawned task: await it for the task's result, cancel() it, or
/// detach() it. Destroying the handle detaches the task (it keeps running).
template <typename T>
class [[nodiscard]] join_handle {
public:
    join_handle() noexcept = default;
    explicit join_handle(detail::join_state<T>* st) noexcept : state_(st) {}
    join_handle(join_handle&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
    join_handle& operator=(join_handle other) noexcept {
        std::swap(state_, other.state_);
        return *this;
    }
    ~join_handle() {
        if (state_) state_->release();
    }

    /// Requests stop on the task. Its joiner then gets operation_canceled. A no-op
    /// once the task has finished.
    void cancel() noexcept {
        if (state_) state_->cancel();
    }
    bool done() const noexcept { return state_ && state_->done(); }
    /// The task's id, as task dumps show it (interop/debug.hpp); 0 for an empty handle.
    std::uint64_t id() const noexcept { return state_ ? state_->task_id : 0; }
    /// Lets the task run on without a handle.
    void detach() noexcept { join_handle{}.swap(*this); }
    void swap(join_handle& other) noexcept { std::swap(state_, other.state_); }

    struct awaiter {
        detail::join_state<T>* st;
        detail::remote_waiter joiner{};
        bool await_ready() const {
            if (st == nullptr) detail::throw_empty_join_handle();
            return st->done();
        }
        template <typename Promise>
        bool await_suspend(std::coroutine_handle<Promise> h) noexcept {
            joiner.capture(h);
            if constexpr (detail::context_promise<Promise>) {
                if (task_context* ctx = h.promise().context()) waiting = ctx->task;
            }
            if (waiting != nullptr) {
                waiting->wait.set(&detail::wait_join, st, static_cast<std::int64_t>(st->task_id));
            }
            if (st->park(&joiner)) return true;
            if (waiting != nullptr) waiting->wait.clear();
            return false;
        }
        flat_io_result_t<T> await_resume() {
            if (waiting != nullptr) waiting->wait.clear();
            return st->take();
        }
        detail::task_record* waiting = nullptr;
    };
    /// The task's value, operation_canceled if it was cancelled, or its exception
    /// rethrown. A task that returns `io_result<U>` gives `io_result<U>`, not a nested
    /// io_result. Awaiting an empty handle (default-constructed, moved from or
    /// detached) throws std::logic_error: there is no task to wait for.
    awaiter operator co_await() const& noexcept { return awaiter{state_, {}, nullptr}; }

private:
    detail::join_state<T>* state_ = nullptr;
};

namespace detail {

// What spawn knows of a task it starts, besides the task.
struct spawn_facts {
    spawn_facts() noexcept = default;
    spawn_facts(std::string_view name, spawn_site where) noexcept : site(where) {
        // Copied now: an awaited spawn starts the task later, when a name given as a
        // temporary string is gone.
        name_size = std::min(name.size(), task_record::name_capacity);
        std::copy_n(name.data(), name_size, name_text);
    }
    std::string_view name() const noexcept { return {name_text, name_size}; }

    char name_text[task_record::name_capacity] = {};
    std::size_t name_size = 0;
    spawn_site site{};
    std::uint64_t parent = 0;  // the spawning task, when spawn is awaited
};

template <typename T>
join_handle<T> spawn_on(runtime_ref rt, task<T> t, const spawn_facts& facts) {
    // From a thread that does not run `rt`, interop::run may be ending at this very
    // moment: hold it off (it waits for this lock before it forgets its bookkeeping)
    // until the task is counted, or refused, and started. A runtime thread needs no
    // lock: the task calling spawn keeps the run going.
    std::unique_lock<std::mutex> foreign;
    if (!rt.vtable->in_runtime_thread(rt.self)) foreign = std::unique_lock(run_slot_mutex());
    run_state* run = run_state::of(rt);
    if (run == nullptr) {
        throw std::logic_error("interop::spawn: the runtime is not being driven by interop::run");
    }
    auto* st = new join_state<T>(rt, run);
    join_handle<T> handle{st};
    if (!run->enter()) {
        st->finish();
        st->release();
        return handle;
    }
    st->shutdown_link.emplace(run->shutdown_token(), stop_requester{&st->source});
    const task_origin origin{task_kind::spawned, facts.name(),  where_of(t), facts.site,
                             facts.parent,       &run->tasks(), st->task_id};
    if (!drive_into(std::move(t), &st->result, &finish_spawned<T>, st)
             .start(&st->context, origin)) {
        st->shutdown_link.reset();
        st->finish();
        st->release();
        run->leave();
    }
    return handle;
}

}  // namespace detail

/// Starts `t` on `rt` (from any thread, including one that is not a runtime
/// thread). `rt` must be driven by interop::run. If the run is shutting down the
/// task is not started and the handle reports operation_canceled.
template <typename T>
join_handle<T> spawn(runtime_ref rt, task<T> t,
                     detail::spawn_site site = detail::spawn_site::here()) {
    return detail::spawn_on(rt, std::move(t), {{}, site});
}
/// Same, with a name for task dumps (interop/debug.hpp).
template <typename T>
join_handle<T> spawn(runtime_ref rt, const task_name& name, task<T> t) {
    return detail::spawn_on(rt, std::move(t), {name.text(), name.site()});
}

/// Same, calling `fn(args...)` inside the task's own frame so captures and
/// arguments live as long as the task.
template <typename F, typename... Args>
    requires std::invocable<F, Args...>
auto spawn(runtime_ref rt, F&& fn, Args&&... args) {
    return detail::spawn_on(
        rt, detail::invoke_task(std::forward<F>(fn), std::forward<Args>(args)...), {});
}
/// Same, with a name for task dumps.
template <typename F, typename... Args>
    requires std::invocable<F, Args...>
auto spawn(runtime_ref rt, const task_name& name, F&& fn, Args&&... args) {
    return detail::spawn_on(rt,
                            detail::invoke_task(std::forward<F>(fn), std::forward<Args>(args)...),
                            {name.text(), name.site()});
}

namespace detail {
template <typename T>
struct spawn_awaitable {
    task<T> t;
    spawn_facts facts;
    std::optional<join_handle<T>> handle;
    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        const runtime_ref rt = runtime_of(awaiter, "interop::spawn");
        if (const task_context* ctx = awaiter.promise().context(); ctx->task != nullptr) {
            facts.parent = ctx->task->id;
        }
        handle.emplace(spawn_on(rt, std::move(t), facts));
        return false;
    }
    join_handle<T> await_resume() noexcept { return std::move(*handle); }
};
}  // namespace detail

/// `auto handle = co_await interop::spawn(work());` on the current task's runtime.
template <typename T>
detail::spawn_awaitable<T> spawn(task<T> t, detail::spawn_site site = detail::spawn_site::here()) {
    return {std::move(t), {{}, site}, std::nullopt};
}
/// Same, with a name for task dumps.
template <typename T>
detail::spawn_awaitable<T> spawn(const task_name& name, task<T> t) {
    return {std::move(t), {name.text(), name.site()}, std::nullopt};
}

/// Same, calling `fn(args...)` inside the task's own frame so captures and
/// arguments live as long as the task.
template <typename F, typename... Args>
    requires std::invocable<F, Args...>
auto spawn(F&& fn, Args&&... args) {
    return detail::spawn_awaitable<typename std::invoke_result_t<F&&, Args&&...>::value_type>{
        detail::invoke_task(std::forward<F>(fn), std::forward<Args>(args)...), {}, std::nullopt};
}
/// Same, with a name for task dumps.
template <typename F, typename... Args>
    requires std::invocable<F, Args...>
auto spawn(const task_name& name, F&& fn, Args&&... args) {
    return detail::spawn_awaitable<typename std::invoke_result_t<F&&, Args&&...>::value_type>{
        detail::invoke_task(std::forward<F>(fn), std::forward<Args>(args)...),
        {name.text(), name.site()},
        std::nullopt};
}

}  // namespace interop
