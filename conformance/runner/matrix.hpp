// The result of a run: behaviours x backends, and how to print it.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "backend_binary.hpp"

namespace interop::conformance::runner {

enum class status {
    pass,
    fail,
    not_applicable,  // the backend lacks the capability the behaviour needs
    absent,          // the backend's suite does not have this behaviour
};

struct cell {
    status result = status::absent;
    std::string capability;             // for n/a
    std::vector<std::string> messages;  // for failures
    double seconds = 0;
};

struct matrix {
    std::vector<std::string> behaviours;   // rows, sorted
    std::vector<backend_binary> backends;  // columns
    std::vector<std::vector<cell>> cells;  // [behaviour][backend]
    double timeout_seconds = 0;

    std::size_t count(status s) const;
    std::size_t count(status s, std::size_t backend) const;
    bool ok() const { return count(status::fail) == 0; }
};

const char* status_word(status s);  // "pass", "FAIL", "n/a", "-"

void print_text(std::ostream& out, const matrix& m);
void print_markdown(std::ostream& out, const matrix& m);
void print_json(std::ostream& out, const matrix& m);

// --list: the behaviours of the selected backends.
void print_behaviour_list(std::ostream& out, const std::vector<std::string>& behaviours,
                          const std::string& format);
// --list-backends.
void print_backend_list(std::ostream& out, const std::vector<backend_binary>& backends,
                        const std::string& format);

}  // namespace interop::conformance::runner
