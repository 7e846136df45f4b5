// Child processes: started by the adapter kit (posix_process.hpp); each child's pidfd
// is watched by an asio::posix::stream_descriptor (async_wait for readable), which
// fires once the child has ended. The child is then reaped, wait or no wait. Piped
// ends are pipe ends of socket objects, as pipe_open's are (pipe.cpp).
//
// A record lives from spawn until it is both released by the core and reaped, and its
// watcher has no wait outstanding. Everything about the records is guarded by
// processes_mutex_: the handler, waits, cancels, kills and releases may come from any
// thread. Operations are completed outside the lock (completing one resumes its task,
// which may call back in). When the runtime is destroyed first, a killed child is
// waited for (it is about to end) and any other left to run.
#include <algorithm>
#include <memory>
#include <new>

#include <asio/posix/stream_descriptor.hpp>

#include "completion.hpp"
#include "errors.hpp"
#include "interop/runtime/posix_process.hpp"
#include "runtime.hpp"
#include "tcp_socket.hpp"

namespace interop::asio_detail {

namespace posix = kit::posix;

struct runtime::process_record : posix::child_state {
    explicit process_record(asio::io_context& context) : watcher(context) {}
    asio::posix::stream_descriptor watcher;  // owns the pidfd
    bool watching = false;                   // an async_wait is outstanding
};

namespace {

runtime::process_record* record_of(process_handle p) noexcept {
    return static_cast<runtime::process_record*>(p);
}

}  // namespace

std::error_code runtime::process_spawn(const process_spec& spec, process_spawned* out) noexcept {
    *out = process_spawned{};
    if (stopped_.load(std::memory_order_acquire)) return canceled();
    auto record = posix::new_child_record<process_record>([] {}, context_);
    if (!record) return out_of_memory();
    posix::spawned_child made;
    if (const std::error_code error = posix::spawn_with_pipes(spec, out, &made, *this)) {
        return error;
    }
    // The watcher takes over the pidfd; the list takes the record. On failure the pipes
    // go back and the child is discarded.
    std::error_code error;
    record->watcher.assign(made.pidfd, error);
    std::unique_lock lock(processes_mutex_);
    if (!error) {
        try {
            processes_.push_back(record.get());
        } catch (const std::bad_alloc&) {
            error = out_of_memory();
        }
    }
    if (error) {
        lock.unlock();
        // A watcher that took the pidfd would close it too: give it back first.
        if (record->watcher.is_open()) (void)record->watcher.release();
        for (socket_handle& s : out->pipes) close(std::exchange(s, nullptr));
        posix::discard(made);
        return to_interop_error(error);
    }
    record->take(made);
    out->pid = made.pid;
    out->process = record.get();
    watch_process(record.release());
    return {};
}

// Until the child is reaped, one async_wait is outstanding on its pidfd. Asio watches
// a descriptor edge-triggered and a wait does not look before it waits: a child that
// ended before the wait was queued (while another thread was in epoll_wait) would
// never wake it. So the child is asked once more after queuing; if it has ended, the
// wait is cancelled and its handler, which runs anyway, finishes the job.
void runtime::watch_process(process_record* record) {
    if (record->watching || record->reaped) return;
    record->watching = true;
    record->watcher.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [this, record](const std::error_code& ec) { on_process_ready(record, ec); });
    if (record->try_reap()) {
        std::error_code ignored;
        record->watcher.cancel(ignored);
    }
}

void runtime::on_process_ready(process_record* record, const std::error_code&) {
    process_wait_operation* done = nullptr;
    {
        std::lock_guard lock(processes_mutex_);
        record->watching = false;
        if (!record->ended(&done)) {
            watch_process(record);  // woken without an end (cancelled only once reaped)
        } else if (record->released) {
            forget_process(record);
        }
    }
    if (done != nullptr) done->complete({}, 0);
}

void runtime::process_wait(process_wait_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    process_record* record = record_of(op->process);
    if (record == nullptr) return op->complete(bad_handle(), 0);
    std::error_code error;
    {
        std::lock_guard lock(processes_mutex_);
        switch (record->start_wait(op)) {
            case posix::child_state::wait_start::busy:
                error = std::make_error_code(std::errc::device_or_resource_busy);
                break;
            case posix::child_state::wait_start::now:
                break;
            case posix::child_state::wait_start::park:
                record->waiter = op;
                return;
        }
    }
    op->complete(error, 0);
}

void runtime::cancel_process_wait(process_wait_operation* op) noexcept {
    process_record* record = record_of(op->process);
    std::lock_guard lock(processes_mutex_);
    if (record == nullptr || !record->drop_waiter(op)) return;  // completed already
    complete_later(op, canceled());
}

std::error_code runtime::process_kill(process_handle p, int signal) noexcept {
    process_record* record = record_of(p);
    if (record == nullptr) return bad_handle();
    std::lock_guard lock(processes_mutex_);
    return record->kill(signal);
}

void runtime::process_release(process_handle p) noexcept {
    process_record* record = record_of(p);
    if (record == nullptr) return;
    std::lock_guard lock(processes_mutex_);
    if (process_wait_operation* op = record->release()) {
        complete_later(op, canceled());
    }
    if (!record->try_reap()) return;  // reaped by the handler once it ends
    if (record->watching) {
        std::error_code ignored;
        record->watcher.cancel(ignored);  // the handler forgets it
        return;
    }
    forget_process(record);
}

void runtime::forget_process(process_record* record) noexcept {
    const auto it = std::find(processes_.begin(), processes_.end(), record);
    if (it != processes_.end()) processes_.erase(it);
    delete record;  // the watcher closes the pidfd
}

void runtime::abandon_processes() noexcept {
    std::lock_guard lock(processes_mutex_);
    for (process_record* record : processes_) {
        record->abandon(false);
        delete record;
    }
    processes_.clear();
}

}  // namespace interop::asio_detail
