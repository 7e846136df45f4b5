// The report a conformance binary writes with --interop-report=<file> and the runner
// reads back: plain lines, so a run cut short by a crash leaves whole records behind.
//
//     test <name>
//     status pass | fail | n/a
//     capability <capability name>     (n/a only)
//     message <text>                   (fail only, once per failure)
//     end
//
// Values are escaped so that each stays on one line: '\\' -> "\\\\", newline -> "\\n",
// carriage return -> "\\r", tab -> "\\t". Shared by the harness and the runner.
#pragma once

#include <string>
#include <string_view>

namespace interop::conformance::report_format {

inline constexpr std::string_view status_pass = "pass";
inline constexpr std::string_view status_fail = "fail";
inline constexpr std::string_view status_not_applicable = "n/a";

// The exit status of a binary that ran one test case (--interop-run) which was n/a.
inline constexpr int exit_not_applicable = 77;

inline std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += c;
        }
    }
    return out;
}

inline std::string unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 == text.size()) {
            out += text[i];
            continue;
        }
        switch (text[++i]) {
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            default:
                out += text[i];
        }
    }
    return out;
}

}  // namespace interop::conformance::report_format
