#include "recorder.hpp"

#include <string_view>

#include "interop/detail/frame_allocator.hpp"
#include "report_format.hpp"

namespace interop::conformance::detail {

recorder& recorder::instance() {
    static recorder r;
    return r;
}

void recorder::set_report(std::FILE* file) noexcept {
    std::lock_guard lock(mutex_);
    report_ = file;
}

void recorder::test_started(const char* name) {
    std::lock_guard lock(mutex_);
    current_ = test_outcome{name, verdict::pass, {}, {}};
    running_ = true;
    frames_at_start_ = frame_stats().live_frames;
}

void recorder::failure(std::string message) {
    std::lock_guard lock(mutex_);
    current_.result = verdict::fail;
    current_.messages.push_back(std::move(message));
}

void recorder::not_applicable(const char* capability_name) {
    std::lock_guard lock(mutex_);
    if (current_.missing_capability.empty()) current_.missing_capability = capability_name;
}

void recorder::test_finished() {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
    // Catalogue item 14, for every test case: whatever a test started, it finished.
    const std::uint64_t frames_now = frame_stats().live_frames;
    if (frames_now != frames_at_start_) {
        current_.result = verdict::fail;
        current_.messages.push_back(
            "coroutine frames outlived the test case: " + std::to_string(frames_at_start_) +
            " alive before it, " + std::to_string(frames_now) + " after it");
    }
    // A failure outranks n/a: a test that asserted something and then found a
    // capability missing still failed.
    if (current_.result != verdict::fail && !current_.missing_capability.empty()) {
        current_.result = verdict::not_applicable;
    }
    write_report(current_);
    finished_.push_back(current_);
}

void recorder::write_report(const test_outcome& outcome) {
    if (report_ == nullptr) return;
    namespace rf = report_format;
    const std::string_view status = outcome.result == verdict::pass   ? rf::status_pass
                                    : outcome.result == verdict::fail ? rf::status_fail
                                                                      : rf::status_not_applicable;
    std::fprintf(report_, "test %s\nstatus %.*s\n", rf::escape(outcome.name).c_str(),
                 static_cast<int>(status.size()), status.data());
    if (outcome.result == verdict::not_applicable) {
        std::fprintf(report_, "capability %s\n", rf::escape(outcome.missing_capability).c_str());
    }
    for (const std::string& m : outcome.messages) {
        std::fprintf(report_, "message %s\n", rf::escape(m).c_str());
    }
    std::fputs("end\n", report_);
    // The process may still crash or hang in teardown; what is written is kept.
    std::fflush(report_);
}

std::string recorder::current_test() const {
    std::lock_guard lock(mutex_);
    return current_.name;
}

bool recorder::any_failure_in_current() const {
    std::lock_guard lock(mutex_);
    return current_.result == verdict::fail;
}

bool recorder::any_failed() const {
    std::lock_guard lock(mutex_);
    for (const test_outcome& o : finished_) {
        if (o.result == verdict::fail) return true;
    }
    return false;
}

bool recorder::all_not_applicable() const {
    std::lock_guard lock(mutex_);
    if (finished_.empty()) return false;
    for (const test_outcome& o : finished_) {
        if (o.result != verdict::not_applicable) return false;
    }
    return true;
}

std::vector<test_outcome> recorder::finished() const {
    std::lock_guard lock(mutex_);
    return finished_;
}

std::string short_path(const char* path) {
    const std::string_view p = path != nullptr ? path : "";
    const std::size_t last = p.find_last_of("/\\");
    if (last == std::string_view::npos || last == 0) return std::string(p);
    const std::size_t before = p.find_last_of("/\\", last - 1);
    return std::string(before == std::string_view::npos ? p : p.substr(before + 1));
}

}  // namespace interop::conformance::detail
