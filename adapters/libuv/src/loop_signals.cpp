// signal_wait(): completes on the loop thread after the process receives the signal.
//
// The first wait for a signal number creates a libuv signal watcher for it, and the
// watcher stays until the runtime is destroyed: a signal raised while nobody waits is
// remembered, and the next wait completes at once. (While the watcher exists the
// signal's default action, such as ending the process for SIGINT, does not happen.)
// Every wait pending for a signal completes when it is raised.
#include <memory>
#include <new>

#include "errors.hpp"
#include "loop.hpp"

namespace interop::libuv_detail {

std::error_code loop::signal_watch(int signum) noexcept {
    if (queue_.stopped()) return canceled();
    std::error_code error;
    watch_signal(signum, &error);
    return error;
}

void loop::signal_wait(signal_operation* op) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return;
    std::error_code error;
    signal_watcher* watcher = watch_signal(op->signal_number, &error);
    if (!watcher) return op->complete(error, 0);
    if (watcher->raised) {
        watcher->raised = false;
        return op->complete({}, 0);
    }
    watcher->waiters.push_back(op);
    park(op);
}

signal_watcher* loop::watch_signal(int signum, std::error_code* error) noexcept {
    if (const auto it = signals_.find(signum); it != signals_.end()) return it->second.get();
    std::unique_ptr<signal_watcher> watcher(new (std::nothrow) signal_watcher{});
    if (!watcher) {
        *error = out_of_memory();
        return nullptr;
    }
    uv_signal_init(&uv_, &watcher->handle);
    watcher->handle.data = watcher.get();
    watcher->owner = this;
    int status =
        uv_signal_start(&watcher->handle, &loop::on_signal, signum);  // UV_EINVAL: not a signal
    if (status == 0) {
        try {
            return signals_.emplace(signum, std::move(watcher)).first->second.get();
        } catch (const std::bad_alloc&) {
            status = UV_ENOMEM;
        }
    }
    // An initialised handle is freed only after libuv has closed it.
    uv_close(reinterpret_cast<uv_handle_t*>(&watcher.release()->handle),
             [](uv_handle_t* handle) { delete static_cast<signal_watcher*>(handle->data); });
    *error = error_from_uv(status);
    return nullptr;
}

void loop::on_signal(uv_signal_t* handle, int) {
    auto* watcher = static_cast<signal_watcher*>(handle->data);
    if (watcher->waiters.empty()) {
        watcher->raised = true;
        return;
    }
    loop& self = *watcher->owner;
    while (operation* op = watcher->waiters.pop_front()) self.finish(op, {}, 0);
}

void loop::cancel_signal_wait(signal_operation* op) noexcept {
    // A parked wait has its watcher: watchers are never removed while the loop lives.
    signals_.find(op->signal_number)->second->waiters.remove(op);
}

}  // namespace interop::libuv_detail
