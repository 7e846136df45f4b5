// Child processes.
//
// Started by the adapter kit (posix_process.hpp) rather than uv_spawn, so that every
// runtime starts a child the same way: uv_spawn leaves a descriptor the program opened
// without close-on-exec to the child and makes the child's inherited stdio blocking in
// place (the file description the parent shares); the kit marks every descriptor but
// 0, 1 and 2 close-on-exec and leaves the parent's alone. Each child's pidfd is watched
// by a uv_poll_t, which becomes readable once the child has ended; it is then reaped,
// wait or no wait. So libuv's own SIGCHLD handling is never involved. The piped ends
// are pipe ends of the socket table, as pipe_open's are (loop_pipe.cpp).
//
// A record lives from spawn until it is both released by the core and reaped. When the
// loop is destroyed first, a killed child is waited for (it is about to end) and any
// other left to run.
#include <algorithm>
#include <new>

#include "errors.hpp"
#include "interop/runtime/posix_process.hpp"
#include "loop.hpp"

namespace interop::libuv_detail {

namespace posix = kit::posix;

struct loop::process_record : posix::child_state {
    uv_poll_t watcher{};  // its data points back here
    loop* owner = nullptr;
};

namespace {

loop::process_record* record_of(process_handle p) noexcept {
    return static_cast<loop::process_record*>(p);
}

}  // namespace

std::error_code loop::process_spawn(const process_spec& spec, process_spawned* out) noexcept {
    *out = process_spawned{};
    if (queue_.stopped()) return canceled();
    // Only the watcher's start may fail after the fork.
    auto record = posix::new_child_record<process_record>(
        [this] { processes_.reserve(processes_.size() + 1); });
    if (!record) return out_of_memory();
    posix::spawned_child made;
    if (const std::error_code error = posix::spawn_with_pipes(spec, out, &made, *this)) {
        return error;
    }
    record->take(made);
    record->owner = this;
    record->watcher.data = record.get();
    const auto undo = [&](int status) {
        for (socket_handle& s : out->pipes) close(std::exchange(s, nullptr));
        posix::discard(made);
        return error_from_uv(status);
    };
    // A handle that uv_poll_init refused was never initialised: its memory simply goes.
    if (const int status = uv_poll_init(&uv_, &record->watcher, made.pidfd); status < 0) {
        return undo(status);
    }
    if (const int status = uv_poll_start(&record->watcher, UV_READABLE, &loop::on_process_ready);
        status < 0) {
        // An initialised one must be closed before its memory goes: the close callback
        // frees the record.
        record->pidfd = -1;
        uv_close(reinterpret_cast<uv_handle_t*>(&record->watcher), &loop::on_process_closed);
        (void)record.release();
        return undo(status);
    }
    out->pid = made.pid;
    out->process = record.get();
    processes_.push_back(record.release());  // reserved: cannot throw
    return {};
}

void loop::process_wait(process_wait_operation* op) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return;
    process_record* record = record_of(op->process);
    if (record == nullptr) return op->complete(bad_handle(), 0);
    record->wait_or_park(op, [this](operation* parked) { park(parked); });
}

std::error_code loop::process_kill(process_handle p, int signal) noexcept {
    process_record* record = record_of(p);
    if (record == nullptr) return bad_handle();
    return record->kill(signal);
}

void loop::process_release(process_handle p) noexcept {
    process_record* record = record_of(p);
    if (record == nullptr) return;
    if (process_wait_operation* op = record->release()) finish(op, canceled(), 0);
    if (record->try_reap()) forget_process(record);
}

// Its pidfd is readable: the child has ended.
void loop::on_process_ready(uv_poll_t* watcher, int, int) {
    auto* record = static_cast<process_record*>(watcher->data);
    process_wait_operation* done = nullptr;
    if (!record->ended(&done)) return;
    uv_poll_stop(watcher);
    if (done != nullptr) record->owner->finish(done, {}, 0);
    if (record->released) record->owner->forget_process(record);
}

// The record goes once libuv is done with its handle.
void loop::forget_process(process_record* record) noexcept {
    const auto it = std::find(processes_.begin(), processes_.end(), record);
    if (it != processes_.end()) processes_.erase(it);
    uv_close(reinterpret_cast<uv_handle_t*>(&record->watcher), &loop::on_process_closed);
    record->abandon(true);  // closes the pidfd, which the handle no longer watches
}

void loop::on_process_closed(uv_handle_t* handle) {
    delete static_cast<process_record*>(handle->data);
}

void loop::cancel_process_wait(process_wait_operation* op) noexcept {
    process_record* record = record_of(op->process);
    if (record != nullptr) (void)record->drop_waiter(op);
}

void loop::abandon_processes() noexcept {
    for (process_record* record : processes_) {
        record->waiter = nullptr;  // abandoned, as every pending operation is here
        uv_close(reinterpret_cast<uv_handle_t*>(&record->watcher), &loop::on_process_closed);
        record->abandon(true);
    }
    processes_.clear();
}

}  // namespace interop::libuv_detail
