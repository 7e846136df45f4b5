// interop-conformance: runs the conformance suite against runtime backends and
// prints the matrix behaviours x backends.
//
//   interop-conformance                                 every backend built next to it
//   interop-conformance --backend inline --filter 'timer:*'
//   interop-conformance --backend-binary build/interop-conformance-myrt --format json
//
// Each behaviour of each backend runs in a process of its own, with a time limit, so
// a crash or a hang costs one cell of the matrix and the run goes on.
//
// Exit status: 0 when nothing failed, 1 when a behaviour failed, 2 for a usage or
// setup error (no such backend, a binary that does not answer, ...).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <unistd.h>

#include "backend_binary.hpp"
#include "child_process.hpp"
#include "execute.hpp"
#include "matrix.hpp"
#include "pattern.hpp"

namespace {

namespace fs = std::filesystem;
using namespace interop::conformance::runner;

constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

struct settings {
    std::vector<std::string> backend_names;
    std::vector<std::string> backend_binaries;
    std::vector<std::string> filters;
    std::string format = "text";
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    double timeout = 60;
    bool list = false;
    bool list_backends = false;
    bool quiet = false;
};

// A private directory for reports and captured output, removed at the end.
class scratch_directory {
public:
    scratch_directory() {
        std::string pattern = (fs::temp_directory_path() / "interop-conformance-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a scratch directory in " +
                                     fs::temp_directory_path().string());
        }
        path_ = pattern;
    }
    ~scratch_directory() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    scratch_directory(const scratch_directory&) = delete;
    scratch_directory& operator=(const scratch_directory&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// Ctrl-C (or a CI timeout's SIGTERM) must not leave behaviours running in their own
// process groups: the signals are taken by one thread, which stops the children and
// leaves. The children themselves start with no signal blocked (child_process.cpp).
void stop_children_on_interrupt(const fs::path& scratch) {
    static sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any other thread starts
    std::thread([scratch] {
        int received = 0;
        if (sigwait(&signals, &received) != 0) return;
        kill_running_children();
        std::error_code ignored;
        fs::remove_all(scratch, ignored);
        std::fprintf(stderr, "\ninterop-conformance: interrupted by %s\n",
                     signal_name(received).c_str());
        _exit(128 + received);
    }).detach();
}

std::vector<fs::path> choose_binaries(const settings& s, const char* argv0) {
    const fs::path dir = own_directory(argv0);
    std::vector<fs::path> chosen;
    for (const std::string& name : s.backend_names) {
        const fs::path p = dir / (binary_prefix + name);
        if (!fs::exists(p)) {
            std::string built;
            for (const fs::path& b : find_backend_binaries(dir)) {
                built += " " + b.filename().string().substr(std::string(binary_prefix).size());
            }
            throw std::runtime_error(
                "no backend named '" + name + "': " + p.string() +
                " does not exist (built here:" + (built.empty() ? " none" : built) + ")");
        }
        chosen.push_back(p);
    }
    for (const std::string& b : s.backend_binaries) {
        const fs::path p = fs::absolute(b);
        if (!fs::exists(p)) throw std::runtime_error("--backend-binary " + b + ": no such file");
        chosen.push_back(p);
    }
    if (chosen.empty()) {
        chosen = find_backend_binaries(dir);
        if (chosen.empty()) {
            throw std::runtime_error("no backend binaries (" + std::string(binary_prefix) +
                                     "<backend>) next to this program in " + dir.string() +
                                     "; name one with --backend-binary");
        }
    }
    return chosen;
}

// Two binaries may name the same backend (two builds of it, say): tell them apart.
void make_names_unique(std::vector<backend_binary>& backends) {
    std::set<std::string> seen;
    for (backend_binary& b : backends) {
        if (!seen.insert(b.name).second) {
            b.name += "(" + b.path.filename().string() + ")";
            seen.insert(b.name);
        }
    }
}

std::vector<std::string> selected_behaviours(const std::vector<backend_binary>& backends,
                                             const std::vector<std::string>& filters) {
    std::set<std::string> all;
    for (const backend_binary& b : backends) all.insert(b.behaviours.begin(), b.behaviours.end());
    std::vector<std::string> chosen;
    for (const std::string& name : all) {
        const bool wanted = filters.empty() ||
                            std::any_of(filters.begin(), filters.end(), [&](const std::string& f) {
                                return filter_matches(name, f);
                            });
        if (wanted) chosen.push_back(name);
    }
    return chosen;
}

int run(const settings& s, const char* argv0) {
    scratch_directory scratch;
    stop_children_on_interrupt(scratch.path());
    std::vector<backend_binary> backends;
    for (const fs::path& p : choose_binaries(s, argv0))
        backends.push_back(query_backend(p, scratch.path()));
    make_names_unique(backends);

    if (s.list_backends) {
        print_backend_list(std::cout, backends, s.format);
        return 0;
    }
    const std::vector<std::string> behaviours = selected_behaviours(backends, s.filters);
    if (s.list) {
        print_behaviour_list(std::cout, behaviours, s.format);
        return 0;
    }
    if (behaviours.empty()) throw std::runtime_error("no behaviour matches the --filter patterns");

    matrix m;
    m.behaviours = behaviours;
    m.backends = backends;
    m.cells.assign(behaviours.size(), std::vector<cell>(backends.size()));
    m.timeout_seconds = s.timeout;
    if (!s.quiet) {
        std::cerr << "interop-conformance: " << behaviours.size() << " behaviour(s) x "
                  << backends.size() << " backend(s), " << s.jobs << " at a time, " << s.timeout
                  << " s limit each\n";
    }
    execute(m, execution_options{s.jobs, std::chrono::duration<double>(s.timeout), scratch.path(),
                                 !s.quiet});

    if (s.format == "json") {
        print_json(std::cout, m);
    } else if (s.format == "markdown") {
        print_markdown(std::cout, m);
    } else {
        print_text(std::cout, m);
    }
    std::cout.flush();
    return m.ok() ? 0 : exit_failed;
}

}  // namespace

int main(int argc, char** argv) {
    settings s;
    CLI::App app{
        "Runs interop's conformance suite against runtime backends and prints the matrix "
        "of behaviours x backends (pass / FAIL / n/a). Each behaviour of each backend runs "
        "in a process of its own with a time limit.\n"
        "Exit status: 0 nothing failed, 1 a behaviour failed, 2 usage or setup error.",
        "interop-conformance"};
    app.add_option("--backend", s.backend_names,
                   "A backend built next to this program (its binary is interop-conformance-NAME); "
                   "repeatable. Default: every one found there")
        ->type_name("NAME");
    app.add_option("--backend-binary", s.backend_binaries,
                   "A conformance binary built elsewhere (a third-party runtime's "
                   "interop_add_conformance target); repeatable")
        ->type_name("PATH");
    app.add_option("--filter", s.filters,
                   "Only behaviours matching PATTERN: with * or ? a glob over the whole name, "
                   "otherwise a substring; case-insensitive; repeatable (any may match)")
        ->type_name("PATTERN");
    app.add_option("--format", s.format, "Output: text, markdown or json")
        ->check(CLI::IsMember({"text", "markdown", "json"}))
        ->capture_default_str();
    app.add_option("--jobs,-j", s.jobs, "Behaviours run at the same time")
        ->check(CLI::Range(1u, 1024u))
        ->capture_default_str();
    app.add_option("--timeout", s.timeout,
                   "Seconds one behaviour may take before it is killed and reported as failed")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_flag("--list", s.list, "List the behaviours (after --filter) and exit");
    app.add_flag("--list-backends", s.list_backends,
                 "List the backends with their capabilities and exit");
    app.add_flag("--quiet,-q", s.quiet, "No progress on stderr");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : exit_usage;
    }
    try {
        return run(s, argv[0]);
    } catch (const std::exception& e) {
        std::cerr << "interop-conformance: " << e.what() << "\n";
        return exit_usage;
    }
}
