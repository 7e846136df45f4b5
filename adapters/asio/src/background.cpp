// Work that happens off the loop: name resolution on Asio's resolver, blocking work
// on a thread pool, and the signal waits.
#include <algorithm>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>

#include "completion.hpp"
#include "endpoints.hpp"
#include "errors.hpp"
#include "runtime.hpp"

namespace interop::asio_detail {

std::error_code runtime::signal_watch(int signum) noexcept {
    if (stopped_.load(std::memory_order_acquire)) return canceled();
    return signals_.watch(signum);
}

void runtime::signal_wait(signal_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    signals_.wait(op);
}

void runtime::resolve(resolve_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    // getaddrinfo() of an empty name would quietly answer with a local address.
    if (op->host.empty()) return op->complete(std::make_error_code(std::errc::invalid_argument), 0);
    std::optional<registry::key> parked;
    try {
        // A numeric address needs no lookup: answer at once instead of using a thread.
        if (const auto address = ip_address::parse(op->host)) {
            op->results.assign(1, endpoint{*address, op->port});
            return op->complete({}, 0);
        }
        parked = park(op, nullptr);
        start_lookup(op, *parked);
    } catch (const std::bad_alloc&) {
        // What this lookup needs could not be had (docs/semantics.md): it fails alone.
        if (!parked || claim(op, *parked))
            op->complete(std::make_error_code(std::errc::not_enough_memory), 0);
    }
}

void runtime::start_lookup(resolve_operation* op, registry::key key) {
    // One resolver per lookup, owned by its handler: a resolver may not be shared
    // between threads, and each lookup can then be abandoned on its own.
    auto resolver = std::make_unique<asio::ip::tcp::resolver>(context_);
    asio::ip::tcp::resolver& lookup = *resolver;
    lookup.async_resolve(
        op->host, std::to_string(op->port), asio::ip::resolver_base::numeric_service,
        [this, op, key, keep = std::move(resolver)](
            const std::error_code& ec, const asio::ip::tcp::resolver::results_type& found) {
            // Not claimed: cancelled while the lookup ran. Nobody wants the answer.
            if (!claim(op, key)) return;
            std::error_code error = to_interop_resolve_error(ec);
            if (!error) {
                try {
                    op->results.clear();
                    for (const auto& entry : found) {
                        const endpoint e = from_asio(entry.endpoint());
                        if (std::find(op->results.begin(), op->results.end(), e) ==
                            op->results.end())
                            op->results.push_back(e);
                    }
                    if (op->results.empty())
                        error = std::make_error_code(std::errc::host_unreachable);
                } catch (const std::bad_alloc&) {
                    error = std::make_error_code(std::errc::not_enough_memory);
                }
            }
            op->complete(error, 0);
        });
}

asio::thread_pool* runtime::blocking_pool() {
    std::lock_guard lock(pool_mutex_);
    if (!pool_) {
        try {
            // Blocking work is rare and short-lived; two threads keep one slow job from
            // holding up the next without a thread per job.
            pool_ = std::make_unique<asio::thread_pool>(2);
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception&) {
            return nullptr;  // out of threads
        }
    }
    return pool_.get();
}

void runtime::spawn_blocking(blocking_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    std::optional<registry::key> parked;
    try {
        asio::thread_pool* pool = blocking_pool();
        if (!pool) {
            return op->complete(std::make_error_code(std::errc::resource_unavailable_try_again), 0);
        }
        parked = park(op, nullptr);
        start_work(*pool, op, *parked);
    } catch (const std::bad_alloc&) {
        if (!parked || claim(op, *parked))
            op->complete(std::make_error_code(std::errc::not_enough_memory), 0);
    }
}

void runtime::start_work(asio::thread_pool& pool, blocking_operation* op, registry::key key) {
    asio::post(pool, [this, op, key] {
        // Cancelled before it started: it never runs (and its completion is queued).
        // Once it runs it is no longer cancellable, so it leaves the registry now: the
        // work uses the caller's context, and the operation must not complete before
        // the work has returned.
        if (!claim(op, key)) return;
        op->work(op->context);
        // Back on a runtime thread to complete.
        asio::post(context_, [op] { op->complete({}, 0); });
    });
}

}  // namespace interop::asio_detail
