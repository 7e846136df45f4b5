// Child processes: started by the adapter kit (posix_process.hpp), each with a pidfd
// that the loop watches until the child has ended and is reaped, wait or no wait. The
// piped ends are pipe ends of the socket table, as pipe_open's are.
//
// A record lives from spawn until it is both released by the core and reaped. One
// released before its child ended stays watched, so the child (killed on drop,
// or left to run) is reaped as soon as it ends; when the loop is destroyed first, a
// killed child is waited for (it is about to end) and any other left to run.
#include <algorithm>
#include <new>

#include "interop/runtime/posix_process.hpp"
#include "loop.hpp"
#include "process_record.hpp"

namespace interop::inline_detail {
namespace {

namespace posix = kit::posix;

std::error_code canceled() noexcept { return std::make_error_code(std::errc::operation_canceled); }

loop::process_record* record_of(process_handle p) noexcept {
    return static_cast<loop::process_record*>(p);
}

}  // namespace

std::error_code loop::process_spawn(const process_spec& spec, process_spawned* out) noexcept {
    *out = process_spawned{};
    if (queue_.stopped()) return canceled();
    auto record = posix::new_child_record<process_record>(
        [this] { processes_.reserve(processes_.size() + 1); });
    if (!record) return std::make_error_code(std::errc::not_enough_memory);
    posix::spawned_child made;
    if (const std::error_code error = posix::spawn_with_pipes(spec, out, &made, *this)) {
        return error;
    }
    record->take(made);
    if (const std::error_code error = watch(record.get())) {
        // Never watched, the child could not be reaped: undo the spawn.
        for (socket_handle& pipe : out->pipes) {
            if (pipe != nullptr) close(pipe);
            pipe = nullptr;
        }
        (void)record->kill(SIGKILL);
        record->abandon(true);
        return error;
    }
    out->pid = made.pid;
    out->process = record.get();
    processes_.push_back(record.release());  // reserved: cannot throw
    return {};
}

void loop::process_wait(process_wait_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    process_record* record = record_of(op->process);
    if (record == nullptr)
        return op->complete(std::make_error_code(std::errc::bad_file_descriptor), 0);
    record->wait_or_park(op, [this](operation* parked) { park(parked); });
}

std::error_code loop::process_kill(process_handle p, int signal) noexcept {
    process_record* record = record_of(p);
    if (record == nullptr) return std::make_error_code(std::errc::bad_file_descriptor);
    return record->kill(signal);
}

void loop::process_release(process_handle p) noexcept {
    process_record* record = record_of(p);
    if (record == nullptr) return;
    if (process_wait_operation* op = record->release()) finish(op, canceled(), 0);
    if (record->try_reap()) forget_process(record);
}

// Its pidfd is readable: the child has ended.
void loop::process_ended(process_record* record) {
    process_wait_operation* done = nullptr;
    if (!record->ended(&done)) return;
    if (done != nullptr) finish(done, {}, 0);
    if (record->released) forget_process(record);
}

void loop::forget_process(process_record* record) noexcept {
    const auto it = std::find(processes_.begin(), processes_.end(), record);
    if (it != processes_.end()) processes_.erase(it);
    unwatch(record);
    record->abandon(true);  // reaped: only closes the pidfd
    delete record;
}

void loop::cancel_process_wait(operation* op) noexcept {
    process_record* record = record_of(static_cast<process_wait_operation*>(op)->process);
    if (record != nullptr) (void)record->drop_waiter(op);
}

void loop::abandon_processes() noexcept {
    for (process_record* record : processes_) {
        record->abandon(true);
        delete record;
    }
    processes_.clear();
}

}  // namespace interop::inline_detail
