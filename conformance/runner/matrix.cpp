#include "matrix.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string_view>

#include "json.hpp"

namespace interop::conformance::runner {
namespace {

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s);
    return buf;
}

std::string padded(std::string_view text, std::size_t width) {
    std::string out(text);
    if (out.size() < width) out.append(width - out.size(), ' ');
    return out;
}

// Every line of `text`, indented.
std::string indented(std::string_view text, std::string_view indent) {
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        out.append(indent).append(text.substr(start, end - start)).append("\n");
        start = end + 1;
    }
    return out;
}

std::string joined(const std::vector<std::string>& words, std::string_view separator) {
    std::string out;
    for (const std::string& w : words) {
        if (!out.empty()) out += separator;
        out += w;
    }
    return out;
}

std::string markdown_cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|') out += '\\';
        out += c;
    }
    return out;
}

std::string verdict_line(const matrix& m) {
    const std::size_t failed = m.count(status::fail);
    if (failed == 0) return "result: PASS";
    return "result: FAIL (" + std::to_string(failed) + (failed == 1 ? " failure" : " failures") +
           ")";
}

}  // namespace

std::size_t matrix::count(status s) const {
    std::size_t n = 0;
    for (std::size_t b = 0; b < backends.size(); ++b) n += count(s, b);
    return n;
}

std::size_t matrix::count(status s, std::size_t backend) const {
    std::size_t n = 0;
    for (const auto& row : cells) {
        if (row[backend].result == s) ++n;
    }
    return n;
}

const char* status_word(status s) {
    switch (s) {
        case status::pass:
            return "pass";
        case status::fail:
            return "FAIL";
        case status::not_applicable:
            return "n/a";
        case status::absent:
            return "-";
    }
    return "?";
}

// --- text ----------------------------------------------------------------------------

void print_text(std::ostream& out, const matrix& m) {
    out << "interop conformance: " << m.backends.size() << " backend(s) x " << m.behaviours.size()
        << " behaviour(s), time limit " << m.timeout_seconds << " s per behaviour\n\n";

    // Status columns first and the (long) behaviour name last, so the columns line up.
    std::vector<std::size_t> width;
    for (const backend_binary& b : m.backends)
        width.push_back(std::max<std::size_t>(b.name.size(), 4) + 2);
    for (std::size_t b = 0; b < m.backends.size(); ++b) out << padded(m.backends[b].name, width[b]);
    out << "behaviour\n";
    for (std::size_t b = 0; b < m.backends.size(); ++b)
        out << padded(std::string(width[b] - 2, '-'), width[b]);
    out << "---------\n";
    for (std::size_t r = 0; r < m.behaviours.size(); ++r) {
        for (std::size_t b = 0; b < m.backends.size(); ++b) {
            out << padded(status_word(m.cells[r][b].result), width[b]);
        }
        out << m.behaviours[r] << "\n";
    }

    if (const std::size_t failed = m.count(status::fail); failed > 0) {
        out << "\nfailures (" << failed << "):\n";
        for (std::size_t r = 0; r < m.behaviours.size(); ++r) {
            for (std::size_t b = 0; b < m.backends.size(); ++b) {
                const cell& c = m.cells[r][b];
                if (c.result != status::fail) continue;
                out << "  FAIL  " << m.backends[b].name << "  " << m.behaviours[r] << "\n";
                for (const std::string& msg : c.messages) out << indented(msg, "        ");
            }
        }
    }

    if (const std::size_t na = m.count(status::not_applicable); na > 0) {
        out << "\nnot applicable (" << na << "): the backend does not declare the capability\n";
        for (std::size_t b = 0; b < m.backends.size(); ++b) {
            for (std::size_t r = 0; r < m.behaviours.size(); ++r) {
                const cell& c = m.cells[r][b];
                if (c.result != status::not_applicable) continue;
                out << "  n/a   " << m.backends[b].name << "  " << m.behaviours[r] << "  [needs "
                    << c.capability << "]\n";
            }
        }
    }

    out << "\n";
    std::size_t name_width = 8;
    for (const backend_binary& b : m.backends) name_width = std::max(name_width, b.name.size() + 2);
    out << padded("backend", name_width) << "passed  failed  n/a   capabilities\n";
    for (std::size_t b = 0; b < m.backends.size(); ++b) {
        out << padded(m.backends[b].name, name_width)
            << padded(std::to_string(m.count(status::pass, b)), 8)
            << padded(std::to_string(m.count(status::fail, b)), 8)
            << padded(std::to_string(m.count(status::not_applicable, b)), 6)
            << (m.backends[b].capabilities.empty() ? "(none)"
                                                   : joined(m.backends[b].capabilities, " "))
            << "\n";
    }
    out << "\n" << verdict_line(m) << "\n";
}

// --- markdown ------------------------------------------------------------------------

void print_markdown(std::ostream& out, const matrix& m) {
    out << "# interop conformance\n\n"
        << m.backends.size() << " backend(s) x " << m.behaviours.size()
        << " behaviour(s), time limit " << m.timeout_seconds << " s per behaviour. **"
        << verdict_line(m) << "**\n\n";

    out << "| backend | passed | failed | n/a | capabilities |\n|---|---:|---:|---:|---|\n";
    for (std::size_t b = 0; b < m.backends.size(); ++b) {
        out << "| " << markdown_cell(m.backends[b].name) << " | " << m.count(status::pass, b)
            << " | " << m.count(status::fail, b) << " | " << m.count(status::not_applicable, b)
            << " | " << joined(m.backends[b].capabilities, ", ") << " |\n";
    }

    out << "\n| behaviour |";
    for (const backend_binary& b : m.backends) out << " " << markdown_cell(b.name) << " |";
    out << "\n|---|";
    for (std::size_t b = 0; b < m.backends.size(); ++b) out << ":---:|";
    out << "\n";
    for (std::size_t r = 0; r < m.behaviours.size(); ++r) {
        out << "| " << markdown_cell(m.behaviours[r]) << " |";
        for (std::size_t b = 0; b < m.backends.size(); ++b) {
            const cell& c = m.cells[r][b];
            if (c.result == status::fail) {
                out << " **FAIL** |";
            } else if (c.result == status::not_applicable) {
                out << " n/a (" << c.capability << ") |";
            } else {
                out << " " << status_word(c.result) << " |";
            }
        }
        out << "\n";
    }

    if (m.count(status::fail) > 0) {
        out << "\n## Failures\n";
        for (std::size_t r = 0; r < m.behaviours.size(); ++r) {
            for (std::size_t b = 0; b < m.backends.size(); ++b) {
                const cell& c = m.cells[r][b];
                if (c.result != status::fail) continue;
                out << "\n- **" << m.backends[b].name << "**: " << m.behaviours[r] << "\n\n  ```\n";
                for (const std::string& msg : c.messages) out << indented(msg, "  ");
                out << "  ```\n";
            }
        }
    }
}

// --- json ----------------------------------------------------------------------------

void print_json(std::ostream& out, const matrix& m) {
    out << "{\n  \"format\": \"interop-conformance-matrix/1\",\n"
        << "  \"ok\": " << (m.ok() ? "true" : "false") << ",\n"
        << "  \"timeout_seconds\": " << m.timeout_seconds << ",\n"
        << "  \"passed\": " << m.count(status::pass) << ",\n"
        << "  \"failed\": " << m.count(status::fail) << ",\n"
        << "  \"not_applicable\": " << m.count(status::not_applicable) << ",\n"
        << "  \"backends\": [";
    for (std::size_t b = 0; b < m.backends.size(); ++b) {
        const backend_binary& be = m.backends[b];
        out << (b ? "," : "") << "\n    {\"name\": " << json_string(be.name)
            << ", \"binary\": " << json_string(be.path.string()) << ", \"capabilities\": [";
        for (std::size_t i = 0; i < be.capabilities.size(); ++i) {
            out << (i ? ", " : "") << json_string(be.capabilities[i]);
        }
        out << "], \"passed\": " << m.count(status::pass, b)
            << ", \"failed\": " << m.count(status::fail, b)
            << ", \"not_applicable\": " << m.count(status::not_applicable, b) << "}";
    }
    out << "\n  ],\n  \"behaviours\": [";
    for (std::size_t r = 0; r < m.behaviours.size(); ++r) {
        out << (r ? "," : "") << "\n    " << json_string(m.behaviours[r]);
    }
    // One flat record per cell: easy to search from any language (CMake's string(JSON)
    // included).
    out << "\n  ],\n  \"results\": [";
    bool first = true;
    for (std::size_t r = 0; r < m.behaviours.size(); ++r) {
        for (std::size_t b = 0; b < m.backends.size(); ++b) {
            const cell& c = m.cells[r][b];
            const char* word = c.result == status::pass             ? "pass"
                               : c.result == status::fail           ? "fail"
                               : c.result == status::not_applicable ? "n/a"
                                                                    : "absent";
            out << (first ? "" : ",") << "\n    {\"behaviour\": " << json_string(m.behaviours[r])
                << ", \"backend\": " << json_string(m.backends[b].name) << ", \"status\": \""
                << word << "\", \"seconds\": " << seconds_text(c.seconds);
            if (c.result == status::not_applicable)
                out << ", \"capability\": " << json_string(c.capability);
            out << ", \"messages\": [";
            for (std::size_t i = 0; i < c.messages.size(); ++i) {
                out << (i ? ", " : "") << json_string(c.messages[i]);
            }
            out << "]}";
            first = false;
        }
    }
    out << "\n  ]\n}\n";
}

// --- lists ---------------------------------------------------------------------------

void print_behaviour_list(std::ostream& out, const std::vector<std::string>& behaviours,
                          const std::string& format) {
    if (format == "json") {
        out << "{\"behaviours\": [";
        for (std::size_t i = 0; i < behaviours.size(); ++i) {
            out << (i ? "," : "") << "\n  " << json_string(behaviours[i]);
        }
        out << "\n]}\n";
        return;
    }
    for (const std::string& b : behaviours) {
        out << (format == "markdown" ? "- " + markdown_cell(b) : b) << "\n";
    }
}

void print_backend_list(std::ostream& out, const std::vector<backend_binary>& backends,
                        const std::string& format) {
    if (format == "json") {
        out << "{\"backends\": [";
        for (std::size_t b = 0; b < backends.size(); ++b) {
            out << (b ? "," : "") << "\n  {\"name\": " << json_string(backends[b].name)
                << ", \"binary\": " << json_string(backends[b].path.string())
                << ", \"behaviours\": " << backends[b].behaviours.size() << ", \"capabilities\": [";
            for (std::size_t i = 0; i < backends[b].capabilities.size(); ++i) {
                out << (i ? ", " : "") << json_string(backends[b].capabilities[i]);
            }
            out << "]}";
        }
        out << "\n]}\n";
        return;
    }
    for (const backend_binary& b : backends) {
        out << (format == "markdown" ? "- **" + b.name + "**" : b.name) << "  " << b.path.string()
            << "  (" << b.behaviours.size() << " behaviours; capabilities: "
            << (b.capabilities.empty() ? "none" : joined(b.capabilities, " ")) << ")\n";
    }
}

}  // namespace interop::conformance::runner
