// What the text forms of interop/debug.hpp share: a task on one line, durations,
// JSON strings.
#pragma once

#include <chrono>
#include <locale>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "interop/debug.hpp"

namespace interop::debug::text {

// What `write` writes to the stream it is given, written to `out` with numbers as the
// classic locale writes them: a stream imbued with a locale that groups digits
// ("1,234") would break JSON and the Prometheus format, and dumps would differ by locale.
template <typename Write>
void write_classic(std::ostream& out, Write&& write) {
    std::ostringstream text;
    text.imbue(std::locale::classic());
    write(static_cast<std::ostream&>(text));
    out << text.str();
    out.flush();
}

// `s` as a JSON string, quoted and escaped.
void write_json_string(std::ostream& out, const std::string& s);

// An address as "0x..." (what tells two mutexes or sockets apart in a dump).
std::string address(const void* p);

// "1.250 s"
std::string seconds(std::chrono::nanoseconds d);

// One line: `indent` spaces, then the task's id, kind, name, coroutine, spawn site,
// parent and state.
void write_task_line(std::ostream& out, const task_info& t, int indent);

// Each deadlock as a heading and its tasks, each waiting for the next.
void write_deadlocks(std::ostream& out, const std::vector<deadlock>& found);

}  // namespace interop::debug::text
