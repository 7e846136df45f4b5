// Two runtimes in one process: work spawned on one is awaited from the other, and
// every task continues on its own runtime's thread(s).
#include <atomic>
#include <thread>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

// Keeps a runtime busy on its own thread until released.
class background_run {
public:
    background_run() : instance_(conf::make_runtime()) {
        thread_ = std::thread([this] {
            interop::run(instance_->ref(),
                         [](std::atomic<bool>* started, std::atomic<bool>* release) -> task<void> {
                             started->store(true);
                             while (!release->load()) (void)co_await sleep_for(1ms);
                         }(&started_, &release_));
        });
        while (!started_.load()) std::this_thread::sleep_for(1ms);
    }
    ~background_run() {
        release_.store(true);
        thread_.join();
    }
    runtime_ref ref() { return instance_->ref(); }

private:
    std::unique_ptr<conf::runtime_instance> instance_;
    std::atomic<bool> started_{false};
    std::atomic<bool> release_{false};
    std::thread thread_;
};

task<int> on_other_runtime(runtime_ref expected) {
    (void)co_await sleep_for(1ms);
    CHECK(expected.vtable->in_runtime_thread(expected.self));
    co_return 99;
}

}  // namespace

TEST_CASE(
    "executor: a task awaits a join handle completed on another runtime's thread and resumes on "
    "its own") {
    conf::hang_guard guard;
    background_run other;
    auto mine = conf::make_runtime();
    runtime_ref mine_ref = mine->ref();
    runtime_ref other_ref = other.ref();
    interop::run(mine_ref, [](runtime_ref self, runtime_ref remote) -> task<void> {
        for (int i = 0; i < 50; ++i) {
            auto handle = spawn(remote, on_other_runtime(remote));
            auto value = co_await handle;
            CHECK(value.value() == 99);
            CHECK(self.vtable->in_runtime_thread(self.self));
        }
    }(mine_ref, other_ref));
}

TEST_CASE("executor: a spawn from a foreign OS thread reaches a busy runtime") {
    conf::hang_guard guard;
    auto rt = conf::make_runtime();
    runtime_ref ref = rt->ref();
    std::atomic<bool> ran{false};
    interop::run(ref, [](runtime_ref r, std::atomic<bool>* flag) -> task<void> {
        std::thread foreign([r, flag] {
            spawn(
                r,
                [](std::atomic<bool>* f) -> task<void> {
                    f->store(true);
                    co_return;
                },
                flag)
                .detach();
        });
        // Busy: always ready, never sleeping, but yielding so others may run.
        while (!flag->load()) (void)co_await yield_now();
        foreign.join();
    }(ref, &ran));
    CHECK(ran.load());
}
