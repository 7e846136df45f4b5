// The adapter kit's generated vtable, without a runtime: every entry reaches the member
// function of the same name on the object `self` points to, and the services a class
// does not define report operation_not_supported.
#include <doctest/doctest.h>

#include <string>
#include <system_error>
#include <vector>

#include "interop/runtime/vtable.hpp"

using namespace interop;

namespace {

// Records which member function ran.
struct recording_adapter {
    std::vector<std::string> calls;
    core_slot slot;

    bool post(operation*) noexcept { return note("post"), true; }
    bool in_runtime_thread() const noexcept { return true; }
    runtime_clock::time_point now() const noexcept {
        return runtime_clock::time_point(std::chrono::seconds(7));
    }
    void timer_start(timer_operation*) noexcept { note("timer_start"); }
    void cancel(operation*) noexcept { note("cancel"); }
    std::error_code tcp_listen(const endpoint&, int backlog, socket_handle*) noexcept {
        note("tcp_listen " + std::to_string(backlog));
        return {};
    }
    void tcp_accept(accept_operation*) noexcept { note("tcp_accept"); }
    void tcp_connect(connect_operation*) noexcept { note("tcp_connect"); }
    void read(io_operation*) noexcept { note("read"); }
    void write(io_operation*) noexcept { note("write"); }
    std::error_code shutdown_write(socket_handle) noexcept {
        return note("shutdown_write"), std::error_code{};
    }
    void close(socket_handle) noexcept { note("close"); }
    std::error_code local_endpoint(socket_handle, endpoint*) noexcept {
        return note("local_endpoint"), std::error_code{};
    }
    std::error_code remote_endpoint(socket_handle, endpoint*) noexcept {
        return note("remote_endpoint"), std::error_code{};
    }
    std::error_code set_no_delay(socket_handle, bool) noexcept {
        return note("set_no_delay"), std::error_code{};
    }
    int native_handle(socket_handle) noexcept { return note("native_handle"), 7; }
    core_slot* core() noexcept { return &slot; }
    void run() { note("run"); }
    void stop() noexcept { note("stop"); }

    void note(std::string what) { calls.push_back(std::move(what)); }
};

// The same, with every service.
struct full_adapter : recording_adapter {
    void resolve(resolve_operation*) noexcept { note("resolve"); }
    void spawn_blocking(blocking_operation*) noexcept { note("spawn_blocking"); }
    std::error_code signal_watch(int n) noexcept {
        return note("signal_watch " + std::to_string(n)), std::error_code{};
    }
    void signal_wait(signal_operation*) noexcept { note("signal_wait"); }
};

struct completion {
    std::error_code error;
    bool completed = false;
};
completion* last = nullptr;
void record(operation*, std::error_code ec, std::size_t) noexcept {
    last->error = ec;
    last->completed = true;
}

static_assert(kit::adapter_class<recording_adapter>);
static_assert(!kit::resolves<recording_adapter> && kit::resolves<full_adapter>);
static_assert(kit::watches_signals<full_adapter> && !kit::watches_signals<recording_adapter>);

constexpr runtime_vtable minimal = kit::make_vtable<recording_adapter, cap_ipv6>("minimal");
constexpr runtime_vtable full =
    kit::make_vtable<full_adapter, cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals>(
        "full");

}  // namespace

TEST_CASE("kit: a generated vtable calls the adapter's member of the same name, through self") {
    recording_adapter a;
    const runtime_ref rt{&minimal, &a};
    CHECK(std::string(rt.vtable->name) == "minimal");
    CHECK(rt.vtable->capabilities == cap_ipv6);

    operation post_op(op_kind::post, record);
    timer_operation timer(record);
    accept_operation accept(record);
    connect_operation connect(record);
    io_operation io(record);
    endpoint out{};
    socket_handle made = nullptr;
    CHECK(rt.vtable->post(rt.self, &post_op));
    CHECK(rt.vtable->in_runtime_thread(rt.self));
    CHECK(rt.vtable->now(rt.self) == runtime_clock::time_point(std::chrono::seconds(7)));
    rt.vtable->timer_start(rt.self, &timer);
    rt.vtable->cancel(rt.self, &timer);
    CHECK(!rt.vtable->tcp_listen(rt.self, endpoint{}, 16, &made));
    rt.vtable->tcp_accept(rt.self, &accept);
    rt.vtable->tcp_connect(rt.self, &connect);
    rt.vtable->read(rt.self, &io);
    rt.vtable->write(rt.self, &io);
    CHECK(!rt.vtable->shutdown_write(rt.self, nullptr));
    rt.vtable->close(rt.self, nullptr);
    CHECK(!rt.vtable->local_endpoint(rt.self, nullptr, &out));
    CHECK(!rt.vtable->remote_endpoint(rt.self, nullptr, &out));
    CHECK(!rt.vtable->set_no_delay(rt.self, nullptr, true));
    CHECK(rt.vtable->native_handle(rt.self, nullptr) == 7);
    CHECK(rt.vtable->core(rt.self) == &a.slot);
    rt.vtable->run(rt.self);
    rt.vtable->stop(rt.self);
    CHECK(a.calls == std::vector<std::string>{"post", "timer_start", "cancel", "tcp_listen 16",
                                              "tcp_accept", "tcp_connect", "read", "write",
                                              "shutdown_write", "close", "local_endpoint",
                                              "remote_endpoint", "set_no_delay", "native_handle",
                                              "run", "stop"});
}

TEST_CASE("kit: services a class does not define report operation_not_supported, at once") {
    recording_adapter a;
    const runtime_ref rt{&minimal, &a};
    completion c;
    last = &c;
    resolve_operation resolve(record);
    rt.vtable->resolve(rt.self, &resolve);
    CHECK(c.completed);
    CHECK(c.error == std::errc::operation_not_supported);
    c = {};
    blocking_operation blocking(record);
    rt.vtable->spawn_blocking(rt.self, &blocking);
    CHECK(c.error == std::errc::operation_not_supported);
    c = {};
    signal_operation signal(record);
    rt.vtable->signal_wait(rt.self, &signal);
    CHECK(c.error == std::errc::operation_not_supported);
    CHECK(rt.vtable->signal_watch(rt.self, 15) == std::errc::operation_not_supported);
    CHECK(a.calls.empty());
}

TEST_CASE("kit: services a class defines are forwarded like every other entry") {
    full_adapter a;
    const runtime_ref rt{&full, &a};
    completion c;
    last = &c;
    resolve_operation resolve(record);
    blocking_operation blocking(record);
    signal_operation signal(record);
    rt.vtable->resolve(rt.self, &resolve);
    rt.vtable->spawn_blocking(rt.self, &blocking);
    CHECK(!rt.vtable->signal_watch(rt.self, 15));
    rt.vtable->signal_wait(rt.self, &signal);
    CHECK(!c.completed);
    CHECK(a.calls ==
          std::vector<std::string>{"resolve", "spawn_blocking", "signal_watch 15", "signal_wait"});
}

namespace {

// A class with a write's fast path: it takes up to three bytes at once.
struct writing_adapter : recording_adapter {
    std::size_t try_write(socket_handle, const std::byte*, std::size_t size) noexcept {
        note("try_write " + std::to_string(size));
        return size < 3 ? size : 3;
    }
};

static_assert(kit::writes_at_once<writing_adapter> && !kit::writes_at_once<recording_adapter>);

constexpr runtime_vtable writing = kit::make_vtable<writing_adapter, cap_write_at_once>("writing");
// The same class, not declaring the capability: the core must not take the fast path.
constexpr runtime_vtable undeclared = kit::make_vtable<writing_adapter, cap_none>("undeclared");

}  // namespace

TEST_CASE("kit: try_write is set only for a class that declares cap_write_at_once, and forwards") {
    const bool in_minimal = minimal.try_write != nullptr;
    const bool in_undeclared = undeclared.try_write != nullptr;
    CHECK_FALSE(in_minimal);
    CHECK_FALSE(in_undeclared);
    writing_adapter a;
    const runtime_ref rt{&writing, &a};
    const bool in_writing = rt.vtable->try_write != nullptr;
    REQUIRE(in_writing);
    const std::byte bytes[5]{};
    CHECK(rt.vtable->try_write(rt.self, nullptr, bytes, 5) == 3);
    CHECK(rt.vtable->try_write(rt.self, nullptr, bytes, 2) == 2);
    CHECK(a.calls == std::vector<std::string>{"try_write 5", "try_write 2"});
}

namespace {

// A pool that runs work at once, and remembers what it was asked to cancel.
struct pool_adapter : recording_adapter {
    void spawn_blocking(blocking_operation* op) noexcept {
        note("spawn_blocking");
        op->work(op->context);
        op->complete({}, 0);
    }
    void cancel(operation* op) noexcept { cancelled = op; }
    operation* cancelled = nullptr;
};

constexpr runtime_vtable pooled =
    kit::make_vtable<pool_adapter, cap_blocking_offload | cap_files>("pooled");

struct file_completion : file_operation {
    file_completion() noexcept : file_operation(&file_completion::done) {}
    static void done(operation* base, std::error_code ec, std::size_t n) noexcept {
        auto* self = static_cast<file_completion*>(base);
        self->error = ec;
        self->transferred = n;
        self->completed = true;
    }
    std::error_code error;
    std::size_t transferred = 0;
    bool completed = false;
};

}  // namespace

TEST_CASE(
    "kit: without file_call, a class with spawn_blocking gets the kit's on its pool; close runs "
    "at once and a cancel reaches the pool's operation") {
    pool_adapter a;
    const runtime_ref rt{&pooled, &a};
    file_completion stat;
    stat.request = file_request::stat;
    stat.path = "/";
    rt.vtable->file_call(rt.self, &stat);
    CHECK(stat.completed);
    CHECK(!stat.error);
    CHECK(stat.status.type == file_type::directory);
    CHECK(a.calls == std::vector<std::string>{"spawn_blocking"});

    file_completion close;
    close.request = file_request::close;
    close.fd = -1;
    rt.vtable->file_call(rt.self, &close);
    CHECK(close.completed);
    CHECK(close.error == std::errc::bad_file_descriptor);
    CHECK(a.calls.size() == 1);  // not through the pool

    file_completion pending;
    rt.vtable->cancel(rt.self, &pending);
    CHECK(a.cancelled == &pending.offload);
    timer_operation timer(record);
    rt.vtable->cancel(rt.self, &timer);
    CHECK(a.cancelled == &timer);

    // A class without either reports operation_not_supported.
    recording_adapter bare;
    const runtime_ref none{&minimal, &bare};
    file_completion refused;
    none.vtable->file_call(none.self, &refused);
    CHECK(refused.error == std::errc::operation_not_supported);
}
