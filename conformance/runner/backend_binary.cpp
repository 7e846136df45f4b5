#include "backend_binary.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

#include "child_process.hpp"

namespace interop::conformance::runner {
namespace {

namespace fs = std::filesystem;

// Listing is quick; a binary that takes longer than this to list is broken.
constexpr std::chrono::seconds query_limit{60};

std::string run_query(const fs::path& binary, const char* option, const fs::path& scratch) {
    const fs::path output = scratch / (binary.filename().string() + option + ".out");
    const child_outcome o = run_child({binary.string(), option}, output, query_limit);
    std::string text = read_file(output);
    std::string problem;
    if (!o.problem.empty()) {
        problem = o.problem;
    } else if (o.how == child_outcome::ending::timed_out) {
        problem = "did not answer within " + std::to_string(query_limit.count()) + " s";
    } else if (o.how == child_outcome::ending::signalled) {
        problem = "was killed by " + signal_name(o.code);
    } else if (o.code != 0) {
        problem = "exited with status " + std::to_string(o.code);
    }
    if (!problem.empty()) {
        throw std::runtime_error(binary.string() + " " + option + " " + problem + "\n" +
                                 last_lines(output, 20));
    }
    return text;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

}  // namespace

fs::path own_directory(const char* argv0) {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);  // Linux
    if (ec || self.empty()) self = fs::weakly_canonical(fs::path(argv0), ec);
    return self.parent_path();
}

std::vector<fs::path> find_backend_binaries(const fs::path& dir) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
        const std::string file = entry.path().filename().string();
        if (file.rfind(binary_prefix, 0) != 0 || file.size() == std::string(binary_prefix).size())
            continue;
        if (!entry.is_regular_file() || ::access(entry.path().c_str(), X_OK) != 0) continue;
        found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    return found;
}

backend_binary query_backend(const fs::path& binary, const fs::path& scratch) {
    backend_binary b;
    b.path = binary;
    for (const std::string& line : lines_of(run_query(binary, "--interop-info", scratch))) {
        std::istringstream words(line);
        std::string key;
        words >> key;
        if (key == "backend") {
            words >> b.name;
        } else if (key == "capabilities") {
            for (std::string c; words >> c;) b.capabilities.push_back(c);
        }
    }
    if (b.name.empty()) {
        throw std::runtime_error(binary.string() +
                                 " --interop-info did not name its backend; is it an interop "
                                 "conformance binary?");
    }
    for (std::string& line : lines_of(run_query(binary, "--interop-list", scratch))) {
        if (!line.empty()) b.behaviours.push_back(std::move(line));
    }
    std::sort(b.behaviours.begin(), b.behaviours.end());
    return b;
}

}  // namespace interop::conformance::runner
