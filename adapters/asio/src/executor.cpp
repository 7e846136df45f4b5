// The executor: run(), stop(), post(), cancel(), and the thread marker.
#include <stdexcept>
#include <thread>
#include <vector>

#include <asio/post.hpp>

#include "completion.hpp"
#include "errors.hpp"
#include "runtime.hpp"
#include "tcp_socket.hpp"

namespace interop::asio_detail {
namespace {

// The runtime the current thread is running, if any. A thread-local rather than a
// list of thread ids, so in_runtime_thread() costs one load and needs no lock.
thread_local const runtime* running_here = nullptr;

// Marks the calling thread as running `r` for the lifetime of this object. Restores
// the previous mark, since a handler of one runtime may drive another one.
class thread_mark {
public:
    explicit thread_mark(const runtime* r) noexcept : outer_(running_here) { running_here = r; }
    ~thread_mark() { running_here = outer_; }
    thread_mark(const thread_mark&) = delete;
    thread_mark& operator=(const thread_mark&) = delete;

private:
    const runtime* outer_;
};

// post(), cancel() and stop() may be called from threads that do not run the
// runtime, and their effect can end the run before they return: the posted
// operation runs on a runtime thread, finishes the last task, and the owner
// destroys the runtime while asio::post() on the calling thread is still waking a
// thread of the io_context it just queued to. So such calls are counted, and the
// destructor waits until none is in progress. Calls from the runtime's own threads
// need no count: they end before run() returns.
class foreign_call {
public:
    foreign_call(const runtime& r, std::atomic<int>& count) noexcept
        : count_(r.in_runtime_thread() ? nullptr : &count) {
        if (count_) count_->fetch_add(1);
    }
    ~foreign_call() {
        if (count_) count_->fetch_sub(1);
    }
    foreign_call(const foreign_call&) = delete;
    foreign_call& operator=(const foreign_call&) = delete;

private:
    std::atomic<int>* count_;
};

}  // namespace

runtime::runtime(unsigned threads)
    : threads_(threads == 0 ? 1 : threads),
      // The hint tells Asio how many threads will run the io_context; with 1 it
      // skips some of the work of handing completions between threads. Posting
      // from any thread stays safe either way.
      context_(static_cast<int>(threads_)),
      keep_running_(asio::make_work_guard(context_)),
      timer_(context_),
      signals_(context_, threads_ > 1) {}

runtime::~runtime() {
    stop();
    while (foreign_calls_.load() != 0) std::this_thread::yield();
    // Handles that outlive the runtime never call it again (the core checks), so the
    // sockets they hold are closed here, while the io_context still exists.
    while (tcp_socket* s = handles_) {
        handle_closed(s);
        s->abandon();
    }
    abandon_processes();  // their watchers belong to the io_context
    // The pool first: its threads post into the io_context. Then the io_context
    // destroys the handlers it still holds (never running them), which releases the
    // sockets they kept alive.
    pool_.reset();
}

bool runtime::in_runtime_thread() const noexcept { return running_here == this; }

bool runtime::serialized_here() const noexcept {
    if (!multi_threaded() && in_runtime_thread()) return true;
    return stopped_.load(std::memory_order_acquire) && !running_.load(std::memory_order_acquire);
}

bool runtime::post(operation* op) noexcept {
    const foreign_call counted(*this, foreign_calls_);
    // A post racing with stop() may be accepted and then never run; that is the same
    // as a post that was queued just before stop(). interop::run stops the runtime
    // only when no task is left that could be waiting for one.
    if (stopped_.load(std::memory_order_acquire)) return false;
    if (queues_locally()) {
        queue_locally(op, {}, 0);
        return true;
    }
    // Asio queues handlers FIFO, and a handler posted by a handler goes behind
    // everything that was already queued: every ready item runs before any runs twice.
    asio::post(context_, recycled(multi_threaded(), [op] { op->complete({}, 0); }));
    return true;
}

void runtime::complete_later(operation* op, std::error_code error, std::size_t bytes) {
    if (queues_locally()) return queue_locally(op, error, bytes);
    asio_detail::complete_later(context_, multi_threaded(), op, error, bytes);
}

// One thread runs the io_context, and it is this one. An Asio handler per post would
// cost a pass through Asio's scheduler each, and that pass looks at the reactor
// (epoll_wait) whenever it meets its marker in the queue, so with few tasks ready,
// about once per post: a yield_now would cost a system call. Queued here, they run in
// batches of the run queue (each batch what was ready when it began: every ready task
// runs once before any runs twice) from one handler, which gives Asio its turn again
// after run_queue::completions_per_poll completions, so that timers and I/O still get
// theirs while tasks keep each other busy.
void runtime::queue_locally(operation* op, std::error_code error, std::size_t bytes) {
    local_.push(op, error, bytes);
    if (local_batches_posted_) return;
    local_batches_posted_ = true;
    post_local_batches();
}

void runtime::post_local_batches() {
    asio::post(context_, recycled(false, [this] { run_local_batches(); }));
}

void runtime::run_local_batches() noexcept {
    local_.run_until_poll();
    if (local_.empty() || local_.stopped()) {
        local_batches_posted_ = false;
        return;
    }
    post_local_batches();
}

void runtime::run() {
    if (in_runtime_thread())
        throw std::logic_error(
            "interop::asio_runtime: run() called from a thread that is running this runtime; "
            "it would block the very loop it is meant to drive");
    if (running_.exchange(true))
        throw std::logic_error(
            "interop::asio_runtime: run() called while the runtime is already running; "
            "call it once, it starts the other threads itself");
    struct not_running {
        std::atomic<bool>& flag;
        ~not_running() { flag.store(false, std::memory_order_release); }
    } on_exit{running_};
    if (stopped_.load(std::memory_order_acquire)) return;  // stopping is final

    // The other threads of a multi-threaded runtime run the same io_context. They
    // return when stop() stops it, like this one.
    std::vector<std::thread> helpers;
    struct joiner {
        std::vector<std::thread>& threads;
        ~joiner() {
            for (std::thread& t : threads) t.join();
        }
    } join_all{helpers};
    try {
        for (unsigned i = 1; i < threads_; ++i) {
            helpers.emplace_back([this] {
                thread_mark mark(this);
                context_.run();
            });
        }
    } catch (...) {
        stop();  // cannot start them all: stop the ones that started, then report
        throw;
    }
    // Nothing escapes the handlers: out of memory in the runtime's own bookkeeping ends
    // the process, on this thread as on the helpers (docs/semantics.md).
    [this]() noexcept {
        thread_mark mark(this);
        context_.run();
    }();
}

void runtime::stop() noexcept {
    const foreign_call counted(*this, foreign_calls_);
    stopped_.store(true, std::memory_order_release);
    // A batch of local_ in progress runs nothing more, as a queued handler never runs.
    local_.stop();
    // Makes every thread's run() return as soon as its current handler (if any) is
    // done. Handlers still queued are never run; the io_context destroys them.
    context_.stop();
}

bool runtime::refuse_if_stopped(operation* op) noexcept {
    if (!stopped_.load(std::memory_order_acquire)) return false;
    op->complete(canceled(), 0);
    return true;
}

registry::key runtime::park(operation* op, tcp_socket* socket) {
    std::lock_guard lock(parked_mutex_);
    waits_on::set(op, socket);
    pending_.park(op);
    return registry::key_of(op);
}

bool runtime::claim(operation* op, registry::key key) noexcept {
    std::lock_guard lock(parked_mutex_);
    if (pending_.find(key) != op) return false;
    pending_.unpark(op);
    return true;
}

void runtime::unpark(operation* op) noexcept {
    std::lock_guard lock(parked_mutex_);
    pending_.unpark(op);
}

void runtime::cancel(operation* op) noexcept {
    const foreign_call counted(*this, foreign_calls_);
    // A posted operation is never parked: it always completes normally.
    if (op->kind == op_kind::post) return;
    if (op->kind == op_kind::signal) return signals_.cancel(static_cast<signal_operation*>(op));
    if (op->kind == op_kind::process_wait)
        return cancel_process_wait(static_cast<process_wait_operation*>(op));
    std::lock_guard lock(parked_mutex_);
    // The key was stored when the operation parked, inside its start call, which
    // returned before the core could ask to cancel it. Not parked under it any more: it
    // completed, or its completion is on its way.
    const registry::key key = registry::key_of(op);
    if (pending_.find(key) != op) return;
    if (op->kind == op_kind::timer) {
        timers_.remove(static_cast<timer_operation*>(op));
    } else if (tcp_socket* socket = waits_on::get(op)) {
        // Socket operations are cancelled on the socket's strand, in order with its
        // other handlers. That is what makes a cancelled read consume nothing: it is
        // either still queued there, and then never reads, or it has read already.
        return socket->cancel_later(op, key);
    }
    // A timer, a lookup, or blocking work that has not started: its completion is
    // queued now. The lookup's answer, or the work that never starts, finds it unparked.
    pending_.unpark(op);
    complete_later(op, canceled());
}

}  // namespace interop::asio_detail
