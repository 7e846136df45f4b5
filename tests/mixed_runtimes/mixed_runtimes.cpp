// Runtimes of different kinds in one process: a task on Asio awaits work that libuv
// runs on another thread, a channel carries items from a libuv task to Asio tasks,
// and an event set on the inline runtime wakes a libuv task. Every task continues on
// its own runtime's thread(s).
//
// The conformance suite checks two runtimes of the backend under test; this program
// checks the backends against each other, so it is built when both Asio and libuv are.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <interop/asio_runtime.hpp>
#include <interop/inline_runtime.hpp>
#include <interop/interop.hpp>
#include <interop/libuv_runtime.hpp>

using namespace interop;
using namespace std::chrono_literals;

namespace {

// Drives `Runtime` on a thread of its own until released; tasks can be spawned onto
// it meanwhile.
template <typename Runtime>
class background {
public:
    template <typename... Args>
    explicit background(Args&&... args) : runtime_(std::forward<Args>(args)...) {
        thread_ = std::thread([this] {
            interop::run(runtime_.ref(),
                         [](std::atomic<bool>* started, std::atomic<bool>* release) -> task<void> {
                             started->store(true);
                             while (!release->load()) (void)co_await sleep_for(1ms);
                         }(&started_, &release_));
        });
        while (!started_.load()) std::this_thread::sleep_for(1ms);
    }
    background(const background&) = delete;
    background& operator=(const background&) = delete;
    ~background() {
        release_.store(true);
        thread_.join();
    }
    runtime_ref ref() { return runtime_.ref(); }

private:
    Runtime runtime_;
    std::atomic<bool> started_{false};
    std::atomic<bool> release_{false};
    std::thread thread_;
};

constexpr int channel_items = 5000;

bool on_thread_of(runtime_ref rt) { return rt.vtable->in_runtime_thread(rt.self); }

task<int> answer_on(runtime_ref expected, int value) {
    (void)co_await sleep_for(1ms);  // a real wait on that runtime's timers
    CHECK(on_thread_of(expected));
    co_return value;
}

task<void> await_join_handles(runtime_ref self, runtime_ref remote) {
    for (int i = 0; i < 100; ++i) {
        auto handle = spawn(remote, answer_on(remote, i));
        auto value = co_await handle;
        CHECK(value.value() == i);
        CHECK(on_thread_of(self));  // back on our own runtime
    }
}

}  // namespace

TEST_CASE(
    "mixed runtimes: a task on Asio awaits join handles of tasks libuv runs on another thread") {
    background<libuv_runtime> uv;
    asio_runtime asio;
    interop::run(asio.ref(), await_join_handles(asio.ref(), uv.ref()));
}

TEST_CASE(
    "mixed runtimes: a task on libuv awaits join handles of tasks a four-thread Asio runtime "
    "runs") {
    background<asio_runtime> asio(asio_runtime::options{.threads = 4});
    libuv_runtime uv;
    interop::run(uv.ref(), await_join_handles(uv.ref(), asio.ref()));
}

TEST_CASE(
    "mixed runtimes: a libuv task feeds a bounded channel that an Asio task drains, in order and "
    "complete") {
    background<libuv_runtime> uv;
    asio_runtime asio;
    auto [tx, rx] = mpsc::bounded<int>(16);  // small: the producer waits for the consumer often
    auto producer = spawn(
        uv.ref(),
        [](mpsc::sender<int> out, runtime_ref home) -> task<int> {
            int sent = 0;
            for (int i = 0; i < channel_items; ++i) {
                auto r = co_await out.send(i);
                if (!r) co_return sent;
                CHECK(on_thread_of(home));
                ++sent;
            }
            co_return sent;
        },
        std::move(tx), uv.ref());
    const int received = interop::run(
        asio.ref(),
        [](mpsc::receiver<int> in, runtime_ref self, join_handle<int> feeding) -> task<int> {
            int expected = 0;
            while (auto item = co_await in.next()) {
                CHECK(*item == expected);
                CHECK(on_thread_of(self));
                ++expected;
            }
            auto sent = co_await feeding;
            CHECK(sent.value() == channel_items);
            co_return expected;
        }(std::move(rx), asio.ref(), std::move(producer)));
    CHECK(received == channel_items);
}

TEST_CASE("mixed runtimes: an event set by an inline-runtime task wakes libuv and Asio waiters") {
    background<inline_runtime> inl;
    background<asio_runtime> asio;
    libuv_runtime uv;
    auto ready = std::make_shared<event>();
    auto asio_waiter = spawn(
        asio.ref(),
        [](std::shared_ptr<event> e, runtime_ref home) -> task<bool> {
            auto r = co_await e->wait();
            co_return r.has_value() && on_thread_of(home);
        },
        ready, asio.ref());
    interop::run(uv.ref(),
                 [](std::shared_ptr<event> e, runtime_ref self, runtime_ref setter,
                    join_handle<bool> other) -> task<void> {
                     auto set_later = spawn(
                         setter,
                         [](std::shared_ptr<event> ev) -> task<void> {
                             (void)co_await sleep_for(5ms);
                             ev->set();
                         },
                         e);
                     auto r = co_await e->wait();
                     CHECK(r.has_value());
                     CHECK(on_thread_of(self));
                     CHECK((co_await set_later).has_value());
                     auto woke = co_await other;
                     CHECK(woke.value());
                 }(ready, uv.ref(), inl.ref(), std::move(asio_waiter)));
}
