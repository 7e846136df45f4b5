// resolve() and spawn_blocking(): work on libuv's thread pool.
//
// Each one is a request object that owns the libuv request and points at its
// operation. libuv calls back on the loop thread when the work is done; the callback
// completes the operation (if it still waits) and frees the request. Cancelling
// detaches the operation from its request, so the answer of a lookup that has already
// started is simply dropped when it comes.
//
// The pool is libuv's and process-wide: UV_THREADPOOL_SIZE threads (4 by default),
// shared by every loop and by libuv's file system calls. Blocking work that runs for a
// long time holds one of them, and name lookups queue behind it.
#include <algorithm>
#include <memory>
#include <new>

#include "errors.hpp"
#include "interop/runtime/posix_address.hpp"
#include "loop.hpp"
#include "op_data.hpp"

namespace interop::libuv_detail {
namespace {

// The contract's classes for a failed lookup, the same on every adapter: not found
// (host_unreachable), try again later, malformed request (invalid_argument), and
// io_error for anything else.
std::error_code resolve_error(int status) noexcept {
    const std::error_code error = error_from_uv(status);
    if (error == std::errc::host_unreachable ||
        error == std::errc::resource_unavailable_try_again ||
        error == std::errc::invalid_argument || error == std::errc::not_enough_memory)
        return error;
    return std::make_error_code(std::errc::io_error);
}

}  // namespace

struct resolve_request {
    uv_getaddrinfo_t request{};
    loop* owner = nullptr;
    resolve_operation* op = nullptr;  // null once cancelled
    std::uint16_t port = 0;
};

struct work_request {
    uv_work_t request{};
    loop* owner = nullptr;
    blocking_operation* op = nullptr;  // null once cancelled
    void (*work)(void* context) noexcept = nullptr;
    void* context = nullptr;
};

// --- resolve ------------------------------------------------------------------------------

void loop::resolve(resolve_operation* op) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return;
    // getaddrinfo(NULL, ...) would quietly answer with a local address.
    if (op->host.empty()) return op->complete(std::make_error_code(std::errc::invalid_argument), 0);
    // A numeric address needs no lookup and no thread.
    if (const auto address = ip_address::parse(op->host)) {
        try {
            op->results.assign(1, endpoint{*address, op->port});
        } catch (const std::bad_alloc&) {
            return op->complete(out_of_memory(), 0);
        }
        return op->complete({}, 0);
    }

    auto* request = new (std::nothrow) resolve_request{};
    if (!request) return op->complete(out_of_memory(), 0);
    request->request.data = request;
    request->owner = this;
    request->op = op;
    request->port = op->port;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
    // libuv copies the host name: the operation's string is not needed afterwards.
    const int status = uv_getaddrinfo(&uv_, &request->request, &loop::on_resolved, op->host.c_str(),
                                      nullptr, &hints);
    if (status < 0) {
        delete request;
        return op->complete(resolve_error(status), 0);
    }
    set_waits_on(op, request);
    park(op);
}

void loop::on_resolved(uv_getaddrinfo_t* raw, int status, addrinfo* list) {
    const std::unique_ptr<resolve_request> request(static_cast<resolve_request*>(raw->data));
    const std::unique_ptr<addrinfo, void (*)(addrinfo*)> results(list, &uv_freeaddrinfo);
    loop& self = *request->owner;
    resolve_operation* op = request->op;
    if (!op || self.destroying_) return;
    if (status < 0) return self.finish(op, resolve_error(status), 0);

    std::vector<endpoint> found;
    try {
        for (const addrinfo* entry = list; entry; entry = entry->ai_next) {
            endpoint e;
            if (!kit::posix::from_sockaddr(entry->ai_addr, entry->ai_addrlen, &e)) continue;
            e.port = request->port;
            if (std::find(found.begin(), found.end(), e) == found.end()) found.push_back(e);
        }
    } catch (const std::bad_alloc&) {
        return self.finish(op, out_of_memory(), 0);
    }
    // Only addresses of families interop does not know: as good as no answer.
    if (found.empty()) return self.finish(op, std::make_error_code(std::errc::host_unreachable), 0);
    op->results = std::move(found);
    self.finish(op, {}, 0);
}

void loop::cancel_resolve(operation* op) noexcept {
    auto* request = waits_on<resolve_request>(op);
    request->op = nullptr;
    // Frees the pool thread if the lookup has not started; either way on_resolved
    // still comes, and frees the request.
    uv_cancel(reinterpret_cast<uv_req_t*>(&request->request));
}

// --- spawn_blocking -----------------------------------------------------------------------

void loop::spawn_blocking(blocking_operation* op) noexcept {
    mark_unparked(op);
    if (refuse_if_stopped(op)) return;
    if (!op->work) return op->complete(std::make_error_code(std::errc::invalid_argument), 0);
    auto* request = new (std::nothrow) work_request{};
    if (!request) return op->complete(out_of_memory(), 0);
    request->request.data = request;
    request->owner = this;
    request->op = op;
    request->work = op->work;
    request->context = op->context;
    const int status = uv_queue_work(&uv_, &request->request, &loop::on_work, &loop::on_work_done);
    if (status < 0) {
        delete request;
        return op->complete(error_from_uv(status), 0);
    }
    set_waits_on(op, request);
    park(op);
}

// On a pool thread.
void loop::on_work(uv_work_t* raw) {
    const auto* request = static_cast<const work_request*>(raw->data);
    request->work(request->context);
}

void loop::on_work_done(uv_work_t* raw, int status) {
    const std::unique_ptr<work_request> request(static_cast<work_request*>(raw->data));
    loop& self = *request->owner;
    blocking_operation* op = request->op;
    if (!op || self.destroying_) return;
    self.finish(op, status == UV_ECANCELED ? canceled() : std::error_code{}, 0);
}

// The body works on the caller's context, so once it runs the operation must not
// complete before it returns: only work that has not started can be cancelled.
bool loop::cancel_blocking(operation* op) noexcept {
    auto* request = waits_on<work_request>(op);
    if (uv_cancel(reinterpret_cast<uv_req_t*>(&request->request)) != 0) return false;
    request->op = nullptr;  // on_work_done comes with UV_ECANCELED and frees the request
    return true;
}

}  // namespace interop::libuv_detail
