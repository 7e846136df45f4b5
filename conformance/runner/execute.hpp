// Runs every (behaviour, backend) cell of a matrix, each in a process of its own, on
// a number of worker threads, and reports progress on stderr.
#pragma once

#include <chrono>
#include <filesystem>

#include "matrix.hpp"

namespace interop::conformance::runner {

struct execution_options {
    unsigned jobs = 1;
    std::chrono::duration<double> timeout{60};
    std::filesystem::path scratch;  // for reports and captured output
    bool progress = true;
};

// Fills m.cells (already sized; cells of behaviours a backend lacks stay `absent`).
void execute(matrix& m, const execution_options& options);

}  // namespace interop::conformance::runner
