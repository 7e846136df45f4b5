#include "interop/conformance/suite.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

namespace interop::conformance {

const backend& current_backend() {
    static const backend b = make_backend();
    return b;
}

namespace {
std::mutex na_mutex;
std::set<std::string>& not_applicable() {
    static std::set<std::string> tests;
    return tests;
}
}  // namespace

bool has_capability(capability c, const char* capability_name) {
    if ((current_backend().capabilities & c) != 0) return true;
    const std::string test = current_test_name();
    {
        std::lock_guard lock(na_mutex);
        not_applicable().insert(test + "  [n/a: " + capability_name + "]");
    }
    MESSAGE("n/a on backend '" << current_backend().name << "': needs " << capability_name);
    return false;
}

void print_not_applicable() {
    std::lock_guard lock(na_mutex);
    for (const auto& t : not_applicable()) std::printf("n/a (capability): %s\n", t.c_str());
}

struct hang_guard::state {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::thread watcher;
};

hang_guard::hang_guard(std::chrono::seconds limit) : state_(new state) {
    std::string test = current_test_name();
    state_->watcher = std::thread([s = state_, limit, test] {
        std::unique_lock lock(s->m);
        if (!s->cv.wait_for(lock, limit, [s] { return s->done; })) {
            std::fprintf(stderr, "HANG: '%s' on backend '%s' still running after %llds\n",
                         test.c_str(), current_backend().name,
                         static_cast<long long>(limit.count()));
            std::fflush(stderr);
            std::_Exit(3);
        }
    });
}

hang_guard::~hang_guard() {
    {
        std::lock_guard lock(state_->m);
        state_->done = true;
    }
    state_->cv.notify_one();
    state_->watcher.join();
    delete state_;
}

std::unique_ptr<runtime_instance> make_runtime(const runtime_options& options) {
    return current_backend().make_runtime(options);
}

frame_leak_check::frame_leak_check() noexcept : baseline_(frame_stats().live_frames) {}

frame_leak_check::~frame_leak_check() {
    CHECK_MESSAGE(frame_stats().live_frames == baseline_,
                  "coroutine frames outlived their tasks");
}

}  // namespace interop::conformance
