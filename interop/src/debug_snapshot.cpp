// interop::debug::snapshot and its text and JSON forms (interop/debug.hpp): a walk of
// the task lists of detail/task_record.hpp.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "interop/debug.hpp"
#include "interop/detail/run_state.hpp"
#include "interop/detail/task_record.hpp"

namespace interop::debug {

namespace {

using detail::task_record;

// Converts task_clock_now() differences to time: the clock is compared with
// steady_clock over the time since the first conversion's baseline.
struct tick_base {
    std::uint64_t ticks = detail::task_clock_now();
    std::chrono::steady_clock::time_point time = std::chrono::steady_clock::now();
};
const tick_base baseline;

std::chrono::nanoseconds to_time(std::uint64_t ticks) {
#if defined(__x86_64__)
    const std::uint64_t ticks_now = detail::task_clock_now();
    const auto time_now = std::chrono::steady_clock::now();
    const auto elapsed = std::chrono::duration<double, std::nano>(time_now - baseline.time);
    const auto elapsed_ticks = static_cast<double>(ticks_now - baseline.ticks);
    if (elapsed_ticks <= 0) return std::chrono::nanoseconds(0);
    return std::chrono::nanoseconds(
        static_cast<std::int64_t>(static_cast<double>(ticks) * elapsed.count() / elapsed_ticks));
#else
    return std::chrono::nanoseconds(static_cast<std::int64_t>(ticks));
#endif
}

const char* kind_name(detail::task_kind kind) {
    switch (kind) {
        case detail::task_kind::root:
            return "root";
        case detail::task_kind::spawned:
            return "spawned";
        case detail::task_kind::child:
            return "child";
        case detail::task_kind::blocking:
            break;
    }
    return "sync_wait";
}

std::string address(const void* p) {
    char text[32];
    std::snprintf(text, sizeof text, "%p", p);
    return text;
}

std::string seconds(std::chrono::nanoseconds d) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f s", std::chrono::duration<double>(d).count());
    return text;
}

// What a task waits on, in words: the kind, the object's address (which tells two
// mutexes or channels apart), and the number the kind gives. A deadline is shown from
// now on the runtime's clock.
std::string wait_text(const detail::wait_state::snapshot& w, const runtime_ref& rt) {
    std::string text = w.kind->text;
    if (w.kind->value == detail::wait_value::task) return text + " task " + std::to_string(w.value);
    if (w.object != nullptr) text += " " + address(w.object);
    switch (w.kind->value) {
        case detail::wait_value::deadline:
            if (rt) {
                const auto left = runtime_clock::time_point(runtime_clock::duration(w.value)) -
                                  rt.vtable->now(rt.self);
                text += left.count() >= 0 ? " until +" : " until -";
                text += seconds(left.count() >= 0 ? left : -left);
            }
            break;
        case detail::wait_value::owner:
            if (w.value != 0) text += " (held by task " + std::to_string(w.value) + ")";
            break;
        case detail::wait_value::pid:
        case detail::wait_value::signal:
            if (w.value != 0) text += " " + std::to_string(w.value);
            break;
        case detail::wait_value::count:
            text += " (" + std::to_string(w.value) + " running)";
            break;
        case detail::wait_value::task:
        case detail::wait_value::none:
            break;
    }
    return text;
}

task_info describe_record(const task_record& r, const runtime_ref& rt, std::uint64_t now) {
    task_info info;
    info.id = r.id;
    info.parent = r.parent;
    info.kind = kind_name(r.kind);
    info.name = r.name;
    if (r.coroutine.function != nullptr) info.function = r.coroutine.function;
    if (r.coroutine.file != nullptr) info.file = r.coroutine.file;
    info.line = r.coroutine.line;
    if (r.site.file != nullptr) info.spawned_file = r.site.file;
    info.spawned_line = r.site.line;
    info.age = to_time(now - r.started_at);
    const detail::wait_state::snapshot w = r.wait.read();
    if (w.kind == nullptr) {
        info.state = task_state::running;
    } else if (w.kind->ready) {
        info.state = task_state::ready;
    } else {
        info.state = task_state::waiting;
        info.waiting_on = wait_text(w, rt);
    }
    // Held while the children are read: none of them can end meanwhile.
    r.children.for_each([&](const task_record& child) {
        info.children.push_back(describe_record(child, rt, now));
    });
    return info;
}

std::vector<task_info> describe_list(const detail::task_list& list, const runtime_ref& rt) {
    std::vector<task_info> tasks;
    const std::uint64_t now = detail::task_clock_now();
    list.for_each([&](const task_record& r) { tasks.push_back(describe_record(r, rt, now)); });
    return tasks;
}

std::string where(const std::string& file, unsigned line) {
    return file + ":" + std::to_string(line);
}

void write_text(std::ostream& out, const task_info& t, int depth) {
    out << std::string(static_cast<std::size_t>(depth) * 2, ' ') << "task " << t.id << ' '
        << t.kind;
    if (!t.name.empty()) out << " \"" << t.name << '"';
    if (!t.function.empty()) out << ' ' << t.function;
    if (!t.file.empty()) out << " (" << where(t.file, t.line) << ')';
    if (!t.spawned_file.empty()) out << ", spawned at " << where(t.spawned_file, t.spawned_line);
    if (t.parent != 0) out << " by task " << t.parent;
    out << ": " << describe(t) << ", age " << seconds(t.age) << '\n';
    for (const task_info& child : t.children) write_text(out, child, depth + 1);
}

void write_json_string(std::ostream& out, const std::string& s) {
    out << '"';
    for (const char c : s) {
        switch (c) {
            case '"':
                out << "\\\"";
                break;
            case '\\':
                out << "\\\\";
                break;
            case '\n':
                out << "\\n";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                    out << escaped;
                } else {
                    out << c;
                }
        }
    }
    out << '"';
}

const char* state_name(task_state s) {
    switch (s) {
        case task_state::running:
            return "running";
        case task_state::ready:
            return "ready";
        case task_state::waiting:
            break;
    }
    return "waiting";
}

void write_json(std::ostream& out, const task_info& t) {
    out << "{\"id\":" << t.id << ",\"parent\":" << t.parent << ",\"kind\":";
    write_json_string(out, t.kind);
    out << ",\"name\":";
    write_json_string(out, t.name);
    out << ",\"function\":";
    write_json_string(out, t.function);
    out << ",\"file\":";
    write_json_string(out, t.file);
    out << ",\"line\":" << t.line << ",\"spawned_file\":";
    write_json_string(out, t.spawned_file);
    out << ",\"spawned_line\":" << t.spawned_line << ",\"state\":\"" << state_name(t.state)
        << "\",\"waiting_on\":";
    write_json_string(out, t.waiting_on);
    out << ",\"age_ns\":" << t.age.count() << ",\"children\":[";
    for (std::size_t i = 0; i < t.children.size(); ++i) {
        if (i != 0) out << ',';
        write_json(out, t.children[i]);
    }
    out << "]}";
}

}  // namespace

std::vector<runtime_info> snapshot() {
    std::vector<runtime_info> runtimes;
    {
        // Keeps every run_state alive while its tasks are read.
        std::lock_guard lock(detail::run_slot_mutex());
        for (const runtime_ref& rt : detail::driven_runtimes()) {
            detail::run_state* run = detail::run_state::of(rt);
            if (run == nullptr) continue;
            runtimes.push_back({rt.vtable->name, describe_list(run->tasks(), rt)});
        }
    }
    std::vector<task_info> outside = describe_list(detail::tasks_outside_runs(), runtime_ref{});
    if (!outside.empty()) runtimes.push_back({"sync_wait", std::move(outside)});
    return runtimes;
}

std::string describe(const task_info& task) {
    switch (task.state) {
        case task_state::running:
            return "running";
        case task_state::ready:
            return "ready";
        case task_state::waiting:
            break;
    }
    return "waiting on " + task.waiting_on;
}

void dump(std::ostream& out) {
    const std::vector<runtime_info> runtimes = snapshot();
    if (runtimes.empty()) out << "no tasks\n";
    for (const runtime_info& rt : runtimes) {
        out << "runtime " << rt.name << '\n';
        for (const task_info& t : rt.tasks) write_text(out, t, 1);
    }
    out.flush();
}

void dump_json(std::ostream& out) {
    const std::vector<runtime_info> runtimes = snapshot();
    out << "{\"runtimes\":[";
    for (std::size_t i = 0; i < runtimes.size(); ++i) {
        if (i != 0) out << ',';
        out << "{\"name\":";
        write_json_string(out, runtimes[i].name);
        out << ",\"tasks\":[";
        for (std::size_t j = 0; j < runtimes[i].tasks.size(); ++j) {
            if (j != 0) out << ',';
            write_json(out, runtimes[i].tasks[j]);
        }
        out << "]}";
    }
    out << "]}\n";
    out.flush();
}

}  // namespace interop::debug
