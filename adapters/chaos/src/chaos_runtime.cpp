// The chaos runtime: every primitive forwarded to the wrapped runtime, with the faults
// described in chaos_runtime.hpp added on the way.
//
// How completions are held back. An operation the chaos runtime forwards gets a
// completion function of its own (`intercepted`), and the core's is kept in a table
// keyed by the operation. When the wrapped runtime completes it, the result waits in
// the table for a few turns of the *pump*, an operation the chaos runtime posts to the
// wrapped runtime while anything waits. Each turn delivers the results whose wait is
// over, in a shuffled order, and some of the held posts, in their order; delivering
// puts the core's completion function back first. A cancel for an operation whose
// result is already held does nothing: the real result is delivered, as the contract
// allows.
//
// The table is process-wide (a completion function gets only the operation) and
// guarded by one mutex; its nodes come from a pool, and the queues keep their memory,
// so a steady state allocates nothing.
#include "interop/chaos_runtime.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <iterator>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <new>
#include <unordered_map>
#include <utility>
#include <vector>

namespace interop {
namespace chaos_detail {

class runtime;

namespace {

// What the chaos runtime keeps about an operation it holds.
struct held {
    runtime* owner = nullptr;
    operation::complete_fn original = nullptr;  // the core's completion
    std::size_t size = 0;                       // an io_operation's size as the core asked
    bool forwarded = false;                     // the wrapped runtime has it
    bool done = false;                          // its result waits for delivery
    std::error_code error;
    std::size_t bytes = 0;
    unsigned turns = 0;  // turns of the pump left
};

std::mutex table_mutex;
std::pmr::unsynchronized_pool_resource& table_memory() {
    static auto* memory = new std::pmr::unsynchronized_pool_resource();  // never destroyed
    return *memory;
}
std::pmr::unordered_map<operation*, held>& table() {
    static auto* t = [] {
        auto* made = new std::pmr::unordered_map<operation*, held>(&table_memory());
        // The pool keeps the nodes it hands out once they are freed: fill it up front,
        // so that a peak of held operations later does not reach the heap.
        constexpr std::uintptr_t warm = 4096;
        made->reserve(warm);
        for (std::uintptr_t i = 1; i <= warm; ++i)
            made->emplace(reinterpret_cast<operation*>(i), held{});
        made->clear();
        return made;
    }();
    return *t;
}

std::uint64_t splitmix(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace

class runtime {
public:
    runtime(runtime_ref inner, chaos_runtime::options o)
        : inner_(inner), options_(o), random_(o.seed) {
        // Room for more than a program keeps in flight, so that the chaos runtime's own
        // bookkeeping never allocates in a steady state (the suite counts every
        // allocation).
        results_.reserve(reserved);
        posts_.reserve(reserved);
        due_.reserve(reserved);
        delivering_.reserve(reserved);
        due_posts_.reserve(reserved);
    }
    ~runtime() {
        // Nothing is pending when the core lets a runtime go; but should anything be,
        // what is held is delivered now, and an operation the wrapped runtime (which
        // outlives this one) still has is completed straight to the core (see
        // intercepted). From here on nothing new is held.
        stopped_.store(true, std::memory_order_release);
        drain();
        {
            std::lock_guard lock(table_mutex);
            for (auto& [op, h] : table()) {
                if (h.owner == this) h.owner = nullptr;
            }
        }
        // A pump still posted to the wrapped runtime must not come back here: it is
        // left behind, and frees itself if it ever runs.
        if (pump_scheduled_.load(std::memory_order_acquire)) {
            pump_->owner.store(nullptr, std::memory_order_release);
            (void)pump_.release();
        }
    }

    runtime_ref inner() const noexcept { return inner_; }
    core_slot* core() noexcept { return &core_; }

    // This runtime's table: the wrapped one's capabilities (chosen once, when made).
    const runtime_vtable* vtable = nullptr;

    bool post(operation* op) noexcept {
        if (stopped_.load(std::memory_order_acquire)) return false;
        {
            std::lock_guard lock(table_mutex);
            posts_.push_back(op);
        }
        if (schedule_pump()) return true;
        // The wrapped runtime refuses posts (it was stopped meanwhile): so is this one,
        // unless a pump turn or a drain on another thread took `op` in between. Then it
        // has run (or is running) and the post stands: refusing it now would let the
        // caller free what was already resumed.
        std::lock_guard lock(table_mutex);
        const auto it = std::find(posts_.rbegin(), posts_.rend(), op);
        if (it == posts_.rend()) return true;
        posts_.erase(std::next(it).base());
        return false;
    }

    // Forwards `op` with `start`, its completion held back on the way.
    // After stop() operations are forwarded as they are: the wrapped runtime refuses
    // them at once, and nothing would deliver a held result any more.
    bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }

    template <typename Start>
    void forward(operation* op, Start&& start) noexcept {
        if (!stopped()) (void)hold(op, true);
        start(op);
    }

    // A random length, down to one byte (a read or write of one byte is the hardest
    // case for a caller), when short I/O is on.
    void cut_short(std::size_t& size) noexcept {
        if (!options_.short_io || size <= 1) return;
        const std::uint64_t r = next_random();
        size = (r & 1) != 0 ? 1 : 1 + static_cast<std::size_t>((r >> 1) % size);
    }

    void forward_io(io_operation* op, bool reading) noexcept {
        if (!stopped() && hold(op, true, op->size)) cut_short(op->size);
        if (reading) {
            inner_.vtable->read(inner_.self, op);
        } else {
            inner_.vtable->write(inner_.self, op);
        }
    }

    // A write's fast path (when the wrapped runtime offers it), with the faults of a
    // write: half the time it declines, and the core writes with write(), whose
    // completion is held back; else it writes a random part of the bytes. A write on
    // the same stream whose completion is held back still waits, as the core sees it:
    // then it declines too, as try_write must while a write waits.
    std::size_t try_write(socket_handle s, const std::byte* data, std::size_t size) noexcept {
        if (stopped() || (next_random() & 1) != 0 || holds_write_on(s)) return 0;
        cut_short(size);
        return inner_.vtable->try_write(inner_.self, s, data, size);
    }

    bool holds_write_on(socket_handle s) const noexcept {
        std::lock_guard lock(table_mutex);
        for (const auto& [op, h] : table()) {
            if (h.owner == this && op->kind == op_kind::write &&
                static_cast<const io_operation*>(op)->socket == s)
                return true;
        }
        return false;
    }

    // A file request, with short reads and writes as for streams. Close and seek
    // complete inside the call, so they go straight through.
    void file_call(file_operation* op) noexcept {
        if (!stopped() && !op->completes_in_call() && hold(op, true, op->size)) {
            if (op->request == file_request::read || op->request == file_request::write) {
                cut_short(op->size);
            }
        }
        inner_.vtable->file_call(inner_.self, op);
    }

    // Listeners (TCP and Unix) are remembered, so that an injected accept failure only
    // ever hits a listener: an accept on any other handle gets the wrapped runtime's
    // answer, bad_file_descriptor at once, as the contract says.
    template <typename Address>
    std::error_code listen(std::error_code (*listen_fn)(void*, const Address&, int,
                                                        socket_handle*) noexcept,
                           const Address& local, int backlog, socket_handle* out) noexcept {
        const std::error_code ec = listen_fn(inner_.self, local, backlog, out);
        if (ec) return ec;
        try {
            const std::lock_guard lock(listeners_mutex_);
            listeners_.push_back(*out);
        } catch (const std::bad_alloc&) {
            // Not remembered: its accepts are never failed on purpose.
        }
        return ec;
    }
    void close(socket_handle s) noexcept {
        {
            const std::lock_guard lock(listeners_mutex_);
            std::erase(listeners_, s);
        }
        inner_.vtable->close(inner_.self, s);
    }
    bool is_listener(socket_handle s) noexcept {
        const std::lock_guard lock(listeners_mutex_);
        return std::find(listeners_.begin(), listeners_.end(), s) != listeners_.end();
    }

    void accept(accept_operation* op) noexcept {
        if (stopped()) return inner_.vtable->tcp_accept(inner_.self, op);
        if (next_random() % 100 < options_.accept_errors_percent && is_listener(op->listener) &&
            hold(op, false)) {
            // Fails before it is tried: the connection stays in the backlog.
            return result(op, std::make_error_code(std::errc::too_many_files_open), 0);
        }
        (void)hold(op, true);
        inner_.vtable->tcp_accept(inner_.self, op);
    }

    void cancel(operation* op) noexcept {
        {
            std::lock_guard lock(table_mutex);
            const auto it = table().find(op);
            // Held already (or never forwarded): its result will be delivered as it is.
            if (it != table().end() && (it->second.done || !it->second.forwarded)) return;
        }
        inner_.vtable->cancel(inner_.self, op);
    }

    void stop() noexcept {
        stopped_.store(true, std::memory_order_release);
        inner_.vtable->stop(inner_.self);
    }

    static void intercepted(operation* op, std::error_code ec, std::size_t n) noexcept {
        runtime* owner = nullptr;
        held orphan;
        {
            std::lock_guard lock(table_mutex);
            const auto it = table().find(op);
            if (it == table().end()) std::terminate();  // a completion nobody forwarded
            owner = it->second.owner;
            if (owner == nullptr) {  // its chaos runtime is gone: straight to the core
                orphan = it->second;
                table().erase(it);
            }
        }
        if (owner == nullptr) {
            orphan.error = ec;
            orphan.bytes = n;
            return deliver(op, orphan);
        }
        owner->result(op, ec, n);
    }

private:
    static constexpr std::size_t reserved = 1024;

    struct pump_operation : operation {
        explicit pump_operation(runtime* r) noexcept
            : operation(op_kind::post, &pump_operation::run), owner(r) {}
        static void run(operation* base, std::error_code, std::size_t) noexcept {
            auto* self = static_cast<pump_operation*>(base);
            if (runtime* r = self->owner.load(std::memory_order_acquire)) return r->pump_turn();
            delete self;  // its runtime is gone (see ~runtime)
        }
        std::atomic<runtime*> owner;
    };

    // Gives the core its own completion function back and completes the operation.
    static void deliver(operation* op, const held& h) noexcept {
        op->on_complete = h.original;
        if (op->kind == op_kind::read || op->kind == op_kind::write)
            static_cast<io_operation*>(op)->size = h.size;
        if (op->kind == op_kind::file) static_cast<file_operation*>(op)->size = h.size;
        h.original(op, h.error, h.bytes);
    }

    std::uint64_t next_random() noexcept {
        std::lock_guard lock(random_mutex_);
        return splitmix(random_);
    }

    // False out of memory: the table's pool had no node left and could not get one.
    // The operation then goes through as it is, without a fault: it stays the wrapped
    // runtime's to complete, and to fail if it needs memory itself.
    bool hold(operation* op, bool forwarded, std::size_t size = 0) noexcept {
        std::lock_guard lock(table_mutex);
        held* slot = nullptr;
        try {
            slot = &table()[op];  // pooled nodes: no allocation once warm
        } catch (const std::bad_alloc&) {
            return false;
        }
        held& h = *slot;
        h = held{};
        h.owner = this;
        h.original = op->on_complete;
        h.size = size;
        h.forwarded = forwarded;
        op->on_complete = &runtime::intercepted;
        return true;
    }

    // The wrapped runtime completed `op` (or the chaos runtime failed it): keep the
    // result for a few turns.
    void result(operation* op, std::error_code ec, std::size_t n) noexcept {
        if (stopped()) {
            // Nothing may run the pump any more (the wrapped runtime refuses posts once
            // stopped): the result goes to the core as the wrapped runtime gave it.
            held h;
            {
                std::lock_guard lock(table_mutex);
                const auto it = table().find(op);
                h = it->second;
                table().erase(it);
            }
            h.error = ec;
            h.bytes = n;
            return deliver(op, h);
        }
        const unsigned turns =
            options_.max_delay_turns == 0
                ? 0
                : static_cast<unsigned>(next_random() % (options_.max_delay_turns + 1));
        {
            std::lock_guard lock(table_mutex);
            held& h = table().at(op);
            h.done = true;
            h.error = ec;
            h.bytes = n;
            h.turns = turns;
            results_.push_back(op);
        }
        if (!schedule_pump()) drain();
    }

    // The wrapped runtime was stopped while results or posts were held, and will not
    // run the pump: everything held is delivered now, results first, posts in order.
    void drain() noexcept {
        std::vector<std::pair<operation*, held>> results;
        std::vector<operation*> posts;
        {
            std::lock_guard lock(table_mutex);
            for (operation* op : results_) {
                const auto it = table().find(op);
                results.emplace_back(op, it->second);
                table().erase(it);
            }
            results_.clear();
            posts.swap(posts_);
        }
        for (auto& [op, h] : results) deliver(op, h);
        for (operation* op : posts) op->complete({}, 0);
    }

    // False when the wrapped runtime refused the pump (it is stopped).
    bool schedule_pump() noexcept {
        if (pump_scheduled_.exchange(true, std::memory_order_acq_rel)) return true;
        if (inner_.vtable->post(inner_.self, pump_.get())) return true;
        pump_scheduled_.store(false, std::memory_order_release);
        return false;
    }

    // One turn at a time: the pump is scheduled again only after this one is over.
    void pump_turn() noexcept {
        due_.clear();
        due_posts_.clear();
        {
            std::lock_guard lock(table_mutex);
            for (std::size_t i = 0; i < results_.size();) {
                held& h = table().at(results_[i]);
                if (h.turns == 0) {
                    due_.push_back(results_[i]);
                    results_[i] = results_.back();
                    results_.pop_back();
                } else {
                    --h.turns;
                    ++i;
                }
            }
            // Posts keep their order: a random number of them, at least one, from the front.
            if (!posts_.empty()) {
                const std::size_t n = 1 + static_cast<std::size_t>(next_random() % posts_.size());
                due_posts_.assign(posts_.begin(), posts_.begin() + static_cast<std::ptrdiff_t>(n));
                posts_.erase(posts_.begin(), posts_.begin() + static_cast<std::ptrdiff_t>(n));
            }
            // Shuffled: results come in another order than their events.
            for (std::size_t i = due_.size(); i > 1; --i) {
                std::swap(due_[i - 1], due_[static_cast<std::size_t>(next_random() % i)]);
            }
            // Each delivery gives the core its own completion function back, and
            // forgets the operation first: the core may start a new one at once at the
            // same address.
            delivering_.clear();
            for (operation* op : due_) {
                const auto it = table().find(op);
                delivering_.push_back(it->second);
                table().erase(it);
            }
        }
        // Results and posts interleave at random.
        std::size_t r = 0;
        std::size_t p = 0;
        while (r < due_.size() || p < due_posts_.size()) {
            const bool take_result =
                p == due_posts_.size() || (r < due_.size() && (next_random() & 1) != 0);
            if (take_result) {
                deliver(due_[r], delivering_[r]);
                ++r;
            } else {
                due_posts_[p++]->complete({}, 0);
            }
        }
        // A result that came in meanwhile saw the pump scheduled and left it to us.
        pump_scheduled_.store(false, std::memory_order_release);
        bool more;
        {
            std::lock_guard lock(table_mutex);
            more = !results_.empty() || !posts_.empty();
        }
        if (more && !schedule_pump()) drain();
    }

    runtime_ref inner_;
    chaos_runtime::options options_;
    core_slot core_;
    std::atomic<bool> stopped_{false};
    std::atomic<bool> pump_scheduled_{false};
    // Separate from the runtime: a pump still posted when the runtime goes outlives it.
    std::unique_ptr<pump_operation> pump_ = std::make_unique<pump_operation>(this);

    std::mutex random_mutex_;  // taken after table_mutex, never before
    std::uint64_t random_;     // guarded by random_mutex_

    std::mutex listeners_mutex_;
    std::vector<socket_handle> listeners_;  // open listeners, guarded by listeners_mutex_

    // Guarded by table_mutex. They keep their memory: no allocation once warm.
    std::vector<operation*> results_;
    std::vector<operation*> posts_;
    // The pump's own (one turn runs at a time).
    std::vector<operation*> due_;
    std::vector<held> delivering_;
    std::vector<operation*> due_posts_;
};

}  // namespace chaos_detail

namespace {

using chaos_detail::runtime;

runtime& from(void* self) noexcept { return *static_cast<runtime*>(self); }
runtime_ref in(void* self) noexcept { return from(self).inner(); }

const runtime_vtable* vtable_for(std::uint32_t capabilities);

}  // namespace

chaos_runtime::chaos_runtime(runtime_ref inner) : chaos_runtime(inner, options{}) {}

chaos_runtime::chaos_runtime(runtime_ref inner, options opts)
    : impl_(std::make_unique<chaos_detail::runtime>(inner, opts)) {
    impl_->vtable = vtable_for(inner.vtable->capabilities);
}

chaos_runtime::~chaos_runtime() = default;

runtime_ref chaos_runtime::ref() noexcept { return {impl_->vtable, impl_.get()}; }

namespace {

constexpr runtime_vtable make_vtable(std::uint32_t capabilities) {
    return runtime_vtable{
        .name = "chaos",
        .post = [](void* self, operation* op) noexcept { return from(self).post(op); },
        .in_runtime_thread =
            [](void* self) noexcept { return in(self).vtable->in_runtime_thread(in(self).self); },
        .now = [](void* self) noexcept { return in(self).vtable->now(in(self).self); },
        .timer_start =
            [](void* self, timer_operation* op) noexcept {
                from(self).forward(
                    op, [&](operation*) { in(self).vtable->timer_start(in(self).self, op); });
            },
        .cancel = [](void* self, operation* op) noexcept { from(self).cancel(op); },
        .tcp_listen =
            [](void* self, const endpoint& local, int backlog, socket_handle* out) noexcept {
                return from(self).listen(in(self).vtable->tcp_listen, local, backlog, out);
            },
        .tcp_accept = [](void* self, accept_operation* op) noexcept { from(self).accept(op); },
        .tcp_connect =
            [](void* self, connect_operation* op) noexcept {
                from(self).forward(
                    op, [&](operation*) { in(self).vtable->tcp_connect(in(self).self, op); });
            },
        .read = [](void* self, io_operation* op) noexcept { from(self).forward_io(op, true); },
        .write = [](void* self, io_operation* op) noexcept { from(self).forward_io(op, false); },
        .try_write =
            (capabilities & cap_write_at_once) == 0
                ? nullptr
                : +[](void* self, socket_handle s, const std::byte* data,
                      std::size_t size) noexcept { return from(self).try_write(s, data, size); },
        .shutdown_write =
            [](void* self, socket_handle s) noexcept {
                return in(self).vtable->shutdown_write(in(self).self, s);
            },
        .close = [](void* self, socket_handle s) noexcept { from(self).close(s); },
        .local_endpoint =
            [](void* self, socket_handle s, endpoint* out) noexcept {
                return in(self).vtable->local_endpoint(in(self).self, s, out);
            },
        .remote_endpoint =
            [](void* self, socket_handle s, endpoint* out) noexcept {
                return in(self).vtable->remote_endpoint(in(self).self, s, out);
            },
        .set_no_delay =
            [](void* self, socket_handle s, bool enabled) noexcept {
                return in(self).vtable->set_no_delay(in(self).self, s, enabled);
            },
        .native_handle =
            [](void* self, socket_handle s) noexcept {
                const runtime_ref inner = in(self);
                return inner.vtable->native_handle != nullptr
                           ? inner.vtable->native_handle(inner.self, s)
                           : -1;
            },
        // Datagrams are delayed like everything else, never shortened: a datagram is
        // whole or not at all.
        .udp_bind =
            [](void* self, const endpoint& local, socket_handle* out) noexcept {
                return in(self).vtable->udp_bind(in(self).self, local, out);
            },
        .udp_connect =
            [](void* self, socket_handle s, const endpoint& peer) noexcept {
                return in(self).vtable->udp_connect(in(self).self, s, peer);
            },
        .send_to =
            [](void* self, datagram_operation* op) noexcept {
                from(self).forward(
                    op, [&](operation*) { in(self).vtable->send_to(in(self).self, op); });
            },
        .receive_from =
            [](void* self, datagram_operation* op) noexcept {
                from(self).forward(
                    op, [&](operation*) { in(self).vtable->receive_from(in(self).self, op); });
            },
        .udp_set_option =
            [](void* self, socket_handle s, udp_option option, int value) noexcept {
                return in(self).vtable->udp_set_option(in(self).self, s, option, value);
            },
        .udp_membership =
            [](void* self, socket_handle s, const ip_address& group, const ip_address& interface,
               bool join) noexcept {
                return in(self).vtable->udp_membership(in(self).self, s, group, interface, join);
            },
        .udp_multicast_interface =
            [](void* self, socket_handle s, const ip_address& interface) noexcept {
                return in(self).vtable->udp_multicast_interface(in(self).self, s, interface);
            },
        .unix_listen =
            [](void* self, const unix_address& local, int backlog, socket_handle* out) noexcept {
                return from(self).listen(in(self).vtable->unix_listen, local, backlog, out);
            },
        .unix_connect =
            [](void* self, unix_connect_operation* op) noexcept {
                from(self).forward(
                    op, [&](operation*) { in(self).vtable->unix_connect(in(self).self, op); });
            },
        .unix_pair =
            [](void* self, socket_handle* first, socket_handle* second) noexcept {
                return in(self).vtable->unix_pair(in(self).self, first, second);
            },
        .unix_address_of =
            [](void* self, socket_handle s, bool peer, unix_address* out) noexcept {
                return in(self).vtable->unix_address_of(in(self).self, s, peer, out);
            },
        .pipe_open =
            [](void* self, socket_handle* reader, socket_handle* writer) noexcept {
                return in(self).vtable->pipe_open(in(self).self, reader, writer);
            },
        .pipe_adopt =
            [](void* self, int fd, socket_handle* out) noexcept {
                return in(self).vtable->pipe_adopt(in(self).self, fd, out);
            },
        // A child's wait is held back like any completion; spawning, killing and
        // releasing are the wrapped runtime's own.
        .process_spawn =
            [](void* self, const process_spec& spec, process_spawned* out) noexcept {
                return in(self).vtable->process_spawn(in(self).self, spec, out);
            },
        .process_wait =
            [](void* self, process_wait_operation* op) noexcept {
                from(self).forward(
                    op, [&](operation*) { in(self).vtable->process_wait(in(self).self, op); });
            },
        .process_kill =
            [](void* self, process_handle p, int signal) noexcept {
                return in(self).vtable->process_kill(in(self).self, p, signal);
            },
        .process_release =
            [](void* self, process_handle p) noexcept {
                in(self).vtable->process_release(in(self).self, p);
            },
        .file_call = [](void* self, file_operation* op) noexcept { from(self).file_call(op); },
        .resolve =
            [](void* self, resolve_operation* op) noexcept {
                from(self).forward(
                    op, [&](operation*) { in(self).vtable->resolve(in(self).self, op); });
            },
        .spawn_blocking =
            [](void* self, blocking_operation* op) noexcept {
                from(self).forward(
                    op, [&](operation*) { in(self).vtable->spawn_blocking(in(self).self, op); });
            },
        .signal_watch =
            [](void* self, int signum) noexcept {
                return in(self).vtable->signal_watch(in(self).self, signum);
            },
        .signal_wait =
            [](void* self, signal_operation* op) noexcept {
                from(self).forward(
                    op, [&](operation*) { in(self).vtable->signal_wait(in(self).self, op); });
            },
        .core = [](void* self) noexcept { return from(self).core(); },
        .run = [](void* self) { in(self).vtable->run(in(self).self); },
        .stop = [](void* self) noexcept { from(self).stop(); },
        .capabilities = capabilities,
    };
}

// One table per set of capabilities a wrapped runtime declared, made when a chaos
// runtime over such a runtime is first made, and never destroyed: a runtime_ref may
// be used until the end of the program (a static runtime's, say).
const runtime_vtable* vtable_for(std::uint32_t capabilities) {
    static std::mutex lock;
    static auto* tables = new std::unordered_map<std::uint32_t, runtime_vtable>();
    const std::lock_guard<std::mutex> hold(lock);
    return &tables->try_emplace(capabilities, make_vtable(capabilities)).first->second;
}

}  // namespace
}  // namespace interop
