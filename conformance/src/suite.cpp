#include "interop/conformance/suite.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "interop/conformance/heap.hpp"
#include "recorder.hpp"

namespace interop::conformance {

const backend& current_backend() {
    static const backend b = make_backend();
    return b;
}

std::string current_test_name() { return detail::recorder::instance().current_test(); }

std::vector<std::string> capability_names(std::uint32_t capabilities) {
    static constexpr struct {
        capability bit;
        const char* name;
    } known[] = {
        {cap_multi_threaded, "cap_multi_threaded"},
        {cap_virtual_time, "cap_virtual_time"},
        {cap_ipv6, "cap_ipv6"},
        {cap_resolve, "cap_resolve"},
        {cap_blocking_offload, "cap_blocking_offload"},
        {cap_signals, "cap_signals"},
        {cap_udp, "cap_udp"},
        {cap_udp_multicast, "cap_udp_multicast"},
        {cap_unix, "cap_unix"},
        {cap_pipe, "cap_pipe"},
        {cap_stdio, "cap_stdio"},
        {cap_process, "cap_process"},
        {cap_files, "cap_files"},
        {cap_write_at_once, "cap_write_at_once"},
    };
    std::vector<std::string> names;
    std::uint32_t rest = capabilities;
    for (const auto& k : known) {
        if ((capabilities & k.bit) != 0) names.emplace_back(k.name);
        rest &= ~static_cast<std::uint32_t>(k.bit);
    }
    for (unsigned bit = 0; bit < 32; ++bit) {
        if ((rest & (1u << bit)) != 0) names.push_back("bit" + std::to_string(bit));
    }
    return names;
}

bool has_capability(capability c, const char* capability_name) {
    if ((current_backend().capabilities & c) != 0) return true;
    detail::recorder::instance().not_applicable(capability_name);
    // doctest prints a const char* as a pointer: hand it strings.
    MESSAGE("n/a on backend '" << std::string(current_backend().name) << "': needs "
                               << std::string(capability_name));
    return false;
}

bool can_fail_allocations() {
    if (heap_failure::available()) return true;
    detail::recorder::instance().not_applicable("an operator new that can be made to fail");
    MESSAGE("n/a in this build: operator new belongs to the sanitizer");
    return false;
}

bool is_single_threaded() {
    if ((current_backend().capabilities & cap_multi_threaded) == 0) return true;
    detail::recorder::instance().not_applicable("single-threaded scheduling");
    MESSAGE("n/a on backend '" << std::string(current_backend().name)
                               << "': the behaviour is defined for one runtime thread");
    return false;
}

// One line per n/a test case, for people and for ctest's skip pattern.
void print_not_applicable() {
    for (const detail::test_outcome& o : detail::recorder::instance().finished()) {
        if (o.result != detail::verdict::not_applicable) continue;
        std::printf("n/a (capability): %s  [needs %s]\n", o.name.c_str(),
                    o.missing_capability.c_str());
    }
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
    CHECK_MESSAGE(frame_stats().live_frames == baseline_, "coroutine frames outlived their tasks");
}

}  // namespace interop::conformance
