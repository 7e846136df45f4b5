// Running one program with a time limit, its output captured in a file.
//
// Each behaviour runs in a process of its own, so that a crash or a hang affects only
// its own cell of the matrix. The child gets its own process group, which is killed
// as a whole when the time limit passes.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace interop::conformance::runner {

struct child_outcome {
    enum class ending { exited, signalled, timed_out, not_started };
    ending how = ending::not_started;
    int code = 0;         // exit status, or the signal number
    double seconds = 0;   // wall-clock time
    std::string problem;  // why it could not start
};

// Runs argv[0] with the arguments argv[1...]; stdout and stderr go to `output`,
// stdin is /dev/null.
child_outcome run_child(const std::vector<std::string>& argv, const std::filesystem::path& output,
                        std::chrono::duration<double> limit);

// Stops every child still running (its whole process group). For an interrupted run.
void kill_running_children() noexcept;

// "SIGSEGV" for 11, and so on; "signal N" for the unusual ones.
std::string signal_name(int signal_number);

// The last `max_lines` lines of a file (for failure messages), without a trailing newline.
std::string last_lines(const std::filesystem::path& file, std::size_t max_lines);

// The whole file, or "" when it cannot be read.
std::string read_file(const std::filesystem::path& file);

}  // namespace interop::conformance::runner
