// resolve() and spawn_blocking(): work that runs on the worker pool.
//
// The operation waits in the registry while its job runs; the worker hands the
// finished job back through the inbox, and the loop completes the operation from
// there, so completions always arrive on the loop thread.
#include <new>

#include "loop.hpp"
#include "op_data.hpp"

namespace interop::inline_detail {

namespace {
std::error_code out_of_memory() noexcept {
    return std::make_error_code(std::errc::not_enough_memory);
}
}  // namespace

// What one operation needs and cannot get completes it with not_enough_memory
// (docs/semantics.md, "A task that cannot start").
void loop::resolve(resolve_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    try {
        // A numeric address needs no lookup: answer at once instead of using a thread.
        if (const auto address = ip_address::parse(op->host)) {
            op->results.assign(1, endpoint{*address, op->port});
            return op->complete({}, 0);
        }
        auto job = std::make_unique<background_job>();
        job->host = op->host;
        job->port = op->port;
        submit(op, std::move(job));
    } catch (const std::bad_alloc&) {
        op->complete(out_of_memory(), 0);
    }
}

void loop::spawn_blocking(blocking_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    try {
        auto job = std::make_unique<background_job>();
        job->work = op->work;
        job->context = op->context;
        submit(op, std::move(job));
    } catch (const std::bad_alloc&) {
        op->complete(out_of_memory(), 0);
    }
}

// Throws std::bad_alloc with `op` not parked and the job not queued.
void loop::submit(operation* op, std::unique_ptr<background_job> job) {
    job->op = op;
    running_in::set(op, job.get());
    park(op);  // before the job can possibly come back
    std::error_code refused;
    try {
        refused = workers_.submit(job);
    } catch (...) {
        unpark(op);
        throw;
    }
    if (refused) {
        unpark(op);
        return op->complete(refused, 0);
    }
    ++background_outstanding_;
}

// On a worker thread.
void loop::job_finished(std::unique_ptr<background_job> job) {
    {
        std::lock_guard lock(mutex_);
        finished_jobs_.push_back(std::move(job));
    }
    wakeup_.notify();
}

void loop::background_done(std::unique_ptr<background_job> job) {
    operation* op = job->op;
    if (!op) return;  // cancelled while it ran: nobody wants the answer
    --background_outstanding_;
    if (op->kind == op_kind::resolve && !job->error)
        static_cast<resolve_operation*>(op)->results = std::move(job->results);
    finish(op, job->error, 0);
}

bool loop::cancel_background(operation* op) noexcept {
    background_job* job = running_in::get(op);
    if (workers_.withdraw(job)) {  // not started yet: it simply never runs
        --background_outstanding_;
        return true;
    }
    // Running (or finished and on its way back). A blocking body works on the caller's
    // context, so its operation must not complete before the body returns: let it
    // finish. A lookup only fills the job's own fields, so its operation can complete
    // now and the answer be dropped when it arrives.
    if (op->kind == op_kind::blocking) return false;
    job->op = nullptr;
    --background_outstanding_;
    return true;
}

}  // namespace interop::inline_detail
