// Task registry and dumps (interop/debug.hpp): what a snapshot shows of the tasks of
// every runtime: ids, names, places, the scope tree, and what each task waits on.
#include <atomic>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "debug_support.hpp"
#include "interop/channels.hpp"
#include "interop/conformance/loopback.hpp"
#include "interop/conformance/suite.hpp"
#include "interop/debug.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;
using namespace interop::debug_support;

namespace {

// A stream buffer that one thread writes while another reads what it holds.
class shared_text : public std::streambuf {
public:
    std::string str() {
        std::lock_guard lock(mutex_);
        return text_;
    }

protected:
    int_type overflow(int_type c) override {
        if (c != traits_type::eof()) {
            std::lock_guard lock(mutex_);
            text_ += traits_type::to_char_type(c);
        }
        return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        std::lock_guard lock(mutex_);
        text_.append(s, static_cast<std::size_t>(n));
        return n;
    }

private:
    std::mutex mutex_;
    std::string text_;
};

int occurrences(std::string_view text, std::string_view word) {
    int n = 0;
    for (std::size_t at = text.find(word); at != std::string_view::npos;
         at = text.find(word, at + 1)) {
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE(
    "debug: every task has an id, its name, its coroutine, where it was spawned and by "
    "whom") {
    conf::run([]() -> task<void> {
        const std::uint64_t root = co_await current_task_id();
        CHECK(root != 0);
        event release;
        unsigned spawned_on = 0;
        co_await with_scope([&](scope& s) -> task<void> {
            spawned_on = __LINE__ + 1;
            s.spawn("named child", park_on(&release));
            const debug::task_info named = co_await once_waiting("named child");
            CHECK(named.id != 0);
            CHECK(named.id != root);
            CHECK(named.kind == "child");
            CHECK(named.parent == root);
            CHECK(named.function.find("park_on") != std::string::npos);
            CHECK(ends_with(named.file, "debug_support.hpp"));  // park_on
            CHECK(ends_with(named.spawned_file, "debug.cpp"));
            CHECK(named.spawned_line == spawned_on);
            CHECK(named.waiting_on.find("event wait") == 0);

            // The root: the task of interop::run, with the scope's children below it.
            const std::optional<debug::task_info> top = find_task({}, root);
            REQUIRE(top.has_value());
            CHECK(top->kind == "root");
            CHECK(top->state == debug::task_state::running);  // it is taking this snapshot
            REQUIRE(top->children.size() == 1);
            CHECK(top->children[0].id == named.id);
            release.set();
        });
    });
}

TEST_CASE(
    "debug: spawned tasks are listed under their runtime, scope children under the "
    "task that owns the scope") {
    conf::run([]() -> task<void> {
        const std::uint64_t root = co_await current_task_id();
        event release;
        join_handle<void> spawned = co_await spawn("spawned", [&]() -> task<void> {
            co_await with_scope([&](scope& s) -> task<void> {
                s.spawn("grandchild", park_on(&release));
                co_return;
            });
        });
        const debug::task_info grandchild = co_await once_waiting("grandchild");
        CHECK(grandchild.parent == spawned.id());
        (void)co_await once_waiting("spawned");  // in its scope's join

        const std::vector<debug::runtime_info> runtimes = debug::snapshot();
        const debug::runtime_info* ours = nullptr;
        for (const debug::runtime_info& rt : runtimes) {
            if (find_in(rt.tasks, {}, root) != nullptr) ours = &rt;
        }
        REQUIRE(ours != nullptr);
        CHECK(!ours->name.empty());
        // The root and the spawned task are top-level; the grandchild is below the
        // spawned task, which waits for its scope.
        REQUIRE(ours->tasks.size() == 2);
        CHECK(ours->tasks[0].id == root);
        const debug::task_info& top = ours->tasks[1];
        CHECK(top.id == spawned.id());
        CHECK(top.kind == "spawned");
        CHECK(top.parent == root);
        CHECK(top.name == "spawned");
        CHECK(top.waiting_on.find("scope join") == 0);
        REQUIRE(top.children.size() == 1);
        CHECK(top.children[0].id == grandchild.id);
        CHECK(top.children[0].kind == "child");
        release.set();
        (void)co_await spawned;
    });
}

TEST_CASE(
    "debug: a waiting task says what it waits on: sleep, mutex and its holder, channel, "
    "join, read") {
    conf::run([]() -> task<void> {
        const std::uint64_t root = co_await current_task_id();
        async_mutex mutex;
        auto held = co_await mutex.lock();
        REQUIRE(held.has_value());
        auto channel = mpsc::bounded<int>(1);
        auto full = mpsc::bounded<int>(1);
        const auto first = co_await full.tx.send(1);
        REQUIRE(first.has_value());
        event release;
        conf::loopback_pair pair = co_await conf::connect_loopback();
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn("sleeper", [&]() -> task<void> { (void)co_await sleep_for(10s); });
            s.spawn("locker", [&]() -> task<void> { (void)co_await mutex.lock(); });
            s.spawn("receiver", [&]() -> task<void> { (void)co_await channel.rx.recv(); });
            s.spawn("sender", [&]() -> task<void> { (void)co_await full.tx.send(2); });
            s.spawn("reader", [&]() -> task<void> {
                char byte = 0;
                (void)co_await pair.client.read(std::span(&byte, 1));
            });
            join_handle<void> parked = co_await spawn("parked", park_on(&release));
            s.spawn("joiner", [&]() -> task<void> { (void)co_await parked; });

            const debug::task_info sleeper = co_await once_waiting("sleeper");
            CHECK(starts_with(sleeper.waiting_on, "sleep until +"));
            const debug::task_info locker = co_await once_waiting("locker");
            CHECK(starts_with(locker.waiting_on, "mutex lock 0x"));
            CHECK(ends_with(locker.waiting_on, "(held by task " + std::to_string(root) + ")"));
            const debug::task_info receiver = co_await once_waiting("receiver");
            CHECK(starts_with(receiver.waiting_on, "mpsc receive (channel 0x"));
            CHECK(ends_with(receiver.waiting_on, ", 0 items, 1 sender)"));
            const debug::task_info sender = co_await once_waiting("sender");
            CHECK(starts_with(sender.waiting_on, "mpsc send (channel 0x"));
            CHECK(ends_with(sender.waiting_on, ", 1 item, full)"));
            const debug::task_info reader = co_await once_waiting("reader");
            CHECK(starts_with(reader.waiting_on, "read"));
            const debug::task_info joiner = co_await once_waiting("joiner");
            CHECK(joiner.waiting_on == "join task " + std::to_string(parked.id()));

            std::ostringstream text;
            debug::dump(text);
            CHECK(text.str().find("\"sleeper\"") != std::string::npos);
            CHECK(text.str().find(locker.waiting_on) != std::string::npos);
            s.cancel();
            release.set();
        });
    });
}

TEST_CASE(
    "debug: a wait on a socket names it by its addresses: a read by its own and its "
    "peer's, an accept by the listener's") {
    conf::run([]() -> task<void> {
        conf::loopback_pair pair = co_await conf::connect_loopback();
        const std::string local = pair.client.local_endpoint().value().to_string();
        const std::string peer = pair.client.peer_endpoint().value().to_string();
        const std::string listening = pair.listener.local_endpoint().value().to_string();
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn("reader", [&]() -> task<void> {
                char byte = 0;
                (void)co_await pair.client.read(std::span(&byte, 1));
            });
            // Through conf::accept, which retries: the chaos backend fails an accept
            // now and then before it waits, and this task must be seen waiting.
            s.spawn("acceptor",
                    [&]() -> task<void> { (void)co_await conf::accept(pair.listener); });
            const debug::task_info reader = co_await once_waiting("reader");
            CHECK(reader.wait_kind == "read");
            CHECK(reader.waiting_on == "read on " + local + " \u2190 " + peer);
            // After a failed accept the next one first waits a back-off (a timeout in a
            // scope of its own): look again until the accept itself waits.
            debug::task_info acceptor = co_await once_waiting("acceptor");
            for (int i = 0; i < 1000 && !starts_with(acceptor.waiting_on, "accept on"); ++i) {
                (void)co_await sleep_for(1ms);
                acceptor = co_await once_waiting("acceptor");
            }
            CHECK(acceptor.waiting_on == "accept on " + listening);
            std::ostringstream text;
            debug::dump(text);
            CHECK(text.str().find(reader.waiting_on) != std::string::npos);
            s.cancel();
        });
    });
}

TEST_CASE("debug: a receive on a datagram socket names the socket by its address") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        auto socket = co_await udp_socket::bind(conf::loopback_v4());
        REQUIRE(socket.has_value());
        const std::string local = socket->local_endpoint().value().to_string();
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn("receiver", [&]() -> task<void> {
                char buffer[16];
                (void)co_await socket->receive_from(std::span(buffer));
            });
            const debug::task_info receiver = co_await once_waiting("receiver");
            CHECK(receiver.waiting_on == "receive on " + local);
            s.cancel();
        });
    });
}

TEST_CASE("debug: a finished task has left the registry before its scope or handle reports it") {
    conf::run([]() -> task<void> {
        std::uint64_t child = 0;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn("short", [&]() -> task<void> {
                child = co_await current_task_id();
                (void)co_await sleep_for(1ms);
            });
            co_return;
        });
        CHECK(child != 0);
        CHECK(!find_task({}, child).has_value());

        join_handle<void> h =
            co_await spawn("short spawned", []() -> task<void> { (void)co_await sleep_for(1ms); });
        const std::uint64_t id = h.id();
        CHECK(id != 0);
        (void)co_await h;
        CHECK(!find_task({}, id).has_value());
    });
}

TEST_CASE("debug: dumps from another thread while tasks start, wait and finish") {
    std::atomic<bool> done{false};
    std::atomic<int> dumps{0};
    std::thread dumper([&] {
        while (!done.load()) {
            std::ostringstream text;
            std::ostringstream json;
            debug::dump(text);
            debug::dump_json(json);
            if (json.str().rfind("{\"runtimes\":[", 0) == 0) dumps.fetch_add(1);
        }
    });
    conf::run([]() -> task<void> {
        for (int round = 0; round < 50; ++round) {
            co_await with_scope([](scope& s) -> task<void> {
                for (int i = 0; i < 20; ++i) {
                    s.spawn("churn", []() -> task<void> { (void)co_await yield_now(); });
                }
                co_return;
            });
            (void)co_await sleep_for(1ms);
        }
    });
    // Let at least one dump see the runtime gone too.
    const int before = dumps.load();
    while (dumps.load() < before + 2) std::this_thread::yield();
    done.store(true);
    dumper.join();
    CHECK(dumps.load() > 0);
    CHECK(debug::snapshot().empty());
}

TEST_CASE("debug: dump_on_signal writes a dump each time the signal is raised, until cancelled") {
    INTEROP_REQUIRE_CAPABILITY(cap_signals);
    conf::run([]() -> task<void> {
        shared_text buffer;
        std::ostream out(&buffer);
        join_handle<io_result<void>> dumps =
            co_await spawn("dumps", debug::dump_on_signal(SIGUSR2, &out));
        for (int raised = 1; raised <= 2; ++raised) {
            for (int i = 0; i < 5000; ++i) {
                const std::optional<debug::task_info> t = find_task("dumps");
                if (t && starts_with(t->waiting_on, "signal")) break;
                (void)co_await sleep_for(1ms);
            }
            // From another thread, as a signal from outside would arrive.
            std::thread([] { std::raise(SIGUSR2); }).join();
            for (int i = 0; i < 5000 && occurrences(buffer.str(), "runtime ") < raised; ++i) {
                (void)co_await sleep_for(1ms);
            }
            CHECK(occurrences(buffer.str(), "runtime ") == raised);
        }
        // Each dump lists the dumping task itself, running.
        CHECK(buffer.str().find("\"dumps\" dump_on_signal") != std::string::npos);
        dumps.cancel();
        const io_result<void> ended = co_await dumps;
        CHECK(ended.is(std::errc::operation_canceled));
    });
}

TEST_CASE("debug: a dump taken in a stop callback that request_stop runs returns") {
    conf::run([]() -> task<void> {
        const task_context* ctx = co_await current_context();
        std::string seen;
        auto dump_now = [&seen]() noexcept {
            std::ostringstream text;
            debug::dump(text);
            seen = text.str();
        };
        const stop_callback<decltype(dump_now)> on_stop(ctx->stop_token, dump_now);
        // From the runtime's own thread: the callback runs inside this call, while the
        // core holds what a dump from elsewhere would wait for.
        request_stop(ctx->runtime);
        CHECK(seen.rfind("runtime ", 0) == 0);
        CHECK(seen.find(" root ") != std::string::npos);
    });
}
