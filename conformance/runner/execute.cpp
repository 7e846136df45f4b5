#include "execute.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "child_process.hpp"
#include "report_format.hpp"

namespace interop::conformance::runner {
namespace {

namespace fs = std::filesystem;
namespace rf = interop::conformance::report_format;

struct job {
    std::size_t behaviour;
    std::size_t backend;
};

struct record {
    bool found = false;
    std::string status;
    std::string capability;
    std::vector<std::string> messages;
};

// The record the binary wrote for `name` (report_format.hpp).
record read_record(const fs::path& report, const std::string& name) {
    record r;
    std::ifstream in(report);
    bool mine = false;
    for (std::string line; std::getline(in, line);) {
        const std::size_t space = line.find(' ');
        const std::string key = line.substr(0, space);
        const std::string value =
            space == std::string::npos ? "" : rf::unescape(line.substr(space + 1));
        if (key == "test") {
            mine = value == name;
            if (mine) r = record{};
        } else if (!mine) {
            continue;
        } else if (key == "status") {
            r.status = value;
        } else if (key == "capability") {
            r.capability = value;
        } else if (key == "message") {
            r.messages.push_back(value);
        } else if (key == "end") {
            r.found = true;
            mine = false;
        }
    }
    return r;
}

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", s);
    return buf;
}

// How the process ended, when that is itself the problem.
std::string ending_text(const child_outcome& o) {
    switch (o.how) {
        case child_outcome::ending::exited:
            return "exited with status " + std::to_string(o.code);
        case child_outcome::ending::signalled:
            return "was killed by " + signal_name(o.code);
        case child_outcome::ending::timed_out:
            return "timed out";
        case child_outcome::ending::not_started:
            return o.problem;
    }
    return "ended";
}

void add_output(cell& c, const fs::path& output) {
    const std::string tail = last_lines(output, 15);
    if (!tail.empty()) c.messages.push_back("last lines of output:\n" + tail);
}

cell judge(const child_outcome& o, const record& r, const fs::path& output, double timeout) {
    cell c;
    c.seconds = o.seconds;
    c.result = status::fail;
    if (o.how == child_outcome::ending::not_started) {
        c.messages.push_back(o.problem);
        return c;
    }
    if (o.how == child_outcome::ending::timed_out) {
        c.messages.push_back("timed out after " + seconds_text(timeout) +
                             " s (the process was killed)");
        add_output(c, output);
        return c;
    }
    const bool clean_exit = o.how == child_outcome::ending::exited;
    if (r.found && r.status == rf::status_pass) {
        if (clean_exit && o.code == 0) {
            c.result = status::pass;
        } else {
            // Passed, then went wrong on the way out (a sanitizer's leak report, say).
            c.messages.push_back("the test case passed, but the process then " + ending_text(o));
            add_output(c, output);
        }
        return c;
    }
    if (r.found && r.status == rf::status_not_applicable) {
        if (clean_exit && o.code == rf::exit_not_applicable) {
            c.result = status::not_applicable;
            c.capability = r.capability;
        } else {
            c.messages.push_back("the test case was n/a, but the process then " + ending_text(o));
            add_output(c, output);
        }
        return c;
    }
    if (r.found) {
        c.messages = r.messages;
        if (c.messages.empty()) c.messages.emplace_back("failed (no message)");
        if (!clean_exit) c.messages.push_back("and the process " + ending_text(o));
        return c;
    }
    // No record: it died before the end of the test case.
    if (clean_exit && o.code == 2) {
        c.messages.emplace_back("the binary did not run the test case (exit status 2)");
    } else if (o.how == child_outcome::ending::signalled) {
        c.messages.push_back("crashed: the process was killed by " + signal_name(o.code));
    } else {
        c.messages.push_back("the process " + ending_text(o) + " before the test case finished");
    }
    add_output(c, output);
    return c;
}

// Progress on stderr: a line rewritten in place on a terminal; otherwise a line for
// each failure and one every tenth of the way.
class progress_meter {
public:
    progress_meter(std::size_t total, bool enabled)
        : total_(total), enabled_(enabled), terminal_(::isatty(STDERR_FILENO) == 1) {}

    void finished(const matrix& m, const job& j, const cell& c) {
        if (!enabled_) return;
        std::lock_guard lock(mutex_);
        ++done_;
        const std::string where = m.backends[j.backend].name + "  " + m.behaviours[j.behaviour];
        if (c.result == status::fail) {
            clear_line();
            std::fprintf(stderr, "FAIL  %s\n", where.c_str());
        }
        if (terminal_) {
            std::string line =
                "[" + std::to_string(done_) + "/" + std::to_string(total_) + "] " + where;
            if (line.size() > 110) line.resize(110);
            std::fprintf(stderr, "\r\033[K%s", line.c_str());
            shown_ = true;
        } else if (done_ * 10 / total_ != (done_ - 1) * 10 / total_ || done_ == total_) {
            std::fprintf(stderr, "[%zu/%zu] behaviours run\n", done_, total_);
        }
        std::fflush(stderr);
    }

    ~progress_meter() {
        std::lock_guard lock(mutex_);
        clear_line();
    }
    progress_meter(const progress_meter&) = delete;
    progress_meter& operator=(const progress_meter&) = delete;

private:
    void clear_line() {
        if (!shown_) return;
        std::fprintf(stderr, "\r\033[K");
        shown_ = false;
    }

    std::mutex mutex_;
    std::size_t total_;
    std::size_t done_ = 0;
    bool enabled_;
    bool terminal_;
    bool shown_ = false;
};

}  // namespace

void execute(matrix& m, const execution_options& options) {
    std::vector<job> jobs;
    for (std::size_t r = 0; r < m.behaviours.size(); ++r) {
        for (std::size_t b = 0; b < m.backends.size(); ++b) {
            const auto& mine = m.backends[b].behaviours;
            if (std::binary_search(mine.begin(), mine.end(), m.behaviours[r]))
                jobs.push_back({r, b});
        }
    }
    if (jobs.empty()) return;

    progress_meter meter(jobs.size(), options.progress);
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t k; (k = next.fetch_add(1)) < jobs.size();) {
            const job& j = jobs[k];
            const fs::path report = options.scratch / (std::to_string(k) + ".report");
            const fs::path output = options.scratch / (std::to_string(k) + ".out");
            const std::string& name = m.behaviours[j.behaviour];
            const child_outcome o =
                run_child({m.backends[j.backend].path.string(), "--interop-run=" + name,
                           "--interop-report=" + report.string()},
                          output, options.timeout);
            cell c = judge(o, read_record(report, name), output, options.timeout.count());
            meter.finished(m, j, c);
            m.cells[j.behaviour][j.backend] = std::move(c);  // each cell has one writer
            std::error_code ignored;
            fs::remove(report, ignored);
            fs::remove(output, ignored);
        }
    };
    const unsigned threads =
        std::max(1u, std::min<unsigned>(options.jobs, static_cast<unsigned>(jobs.size())));
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
}

}  // namespace interop::conformance::runner
