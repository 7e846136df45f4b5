// What happened in each test case: failed assertions (with their messages), an
// uncaught exception, a capability the backend lacks, coroutine frames left alive.
//
// doctest's own counters say only "failed"; the runner needs the reasons and the n/a
// verdict too, and the frame check must apply to every test case, not only to those
// that go through conformance::run. A doctest listener feeds this recorder.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace interop::conformance::detail {

enum class verdict { pass, fail, not_applicable };

struct test_outcome {
    std::string name;
    verdict result = verdict::pass;
    std::string missing_capability;     // set when the test reported n/a
    std::vector<std::string> messages;  // why it failed, one entry per failure
};

class recorder {
public:
    static recorder& instance();
    // Where each finished test case is appended (the runner's report), or null.
    void set_report(std::FILE* file) noexcept;

    void test_started(const char* name);
    void failure(std::string message);
    void not_applicable(const char* capability_name);
    // Also checks that the frame counter is back at its value from test_started.
    void test_finished();

    std::string current_test() const;
    bool any_failure_in_current() const;
    bool any_failed() const;
    // True when every finished test case was n/a (and at least one ran).
    bool all_not_applicable() const;
    std::vector<test_outcome> finished() const;

private:
    recorder() = default;
    void write_report(const test_outcome& outcome);

    mutable std::mutex mutex_;
    test_outcome current_;
    bool running_ = false;
    std::uint64_t frames_at_start_ = 0;
    std::vector<test_outcome> finished_;
    std::FILE* report_ = nullptr;
};

// "tests/tcp.cpp" from ".../conformance/tests/tcp.cpp": short, and the same wherever
// the suite's sources were installed.
std::string short_path(const char* path);

}  // namespace interop::conformance::detail
