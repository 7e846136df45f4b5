// interop::debug::snapshot and its text and JSON forms (interop/debug.hpp): a walk of
// the task lists of detail/task_record.hpp.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "debug_clock.hpp"
#include "debug_text.hpp"
#include "interop/debug.hpp"
#include "interop/detail/run_state.hpp"
#include "interop/detail/task_record.hpp"
#include "socket_table.hpp"

namespace interop::debug {

namespace {

using detail::task_record;

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

using text::address;
using text::seconds;
using text::write_json_string;
using tick_clock::to_time;

// A wait on a socket, by the socket's addresses: "read on 127.0.0.1:40312 <-
// 127.0.0.1:7000", "accept on [::]:8080". A socket may belong to another runtime than
// the task's, and two runtimes may give the same handle to different sockets: the
// handle is looked up in every driven runtime's table, and named only when exactly
// one knows it. False also for a socket closed since, or one without addresses (a
// pipe). Called with the runs' lock held, so that every runtime listed lives.
bool socket_wait_text(const detail::wait_state::snapshot& w, std::string& text) {
    if (w.kind->side == detail::socket_side::none || w.object == nullptr) return false;
    // The handle is only looked up, never dereferenced.
    auto* const handle = const_cast<void*>(w.object);
    const detail::socket_table* owner = nullptr;
    for (const runtime_ref& rt : detail::driven_runtimes()) {
        const detail::socket_table* table = rt.vtable->core(rt.self)->sockets;
        if (table == nullptr || !table->contains(handle)) continue;
        if (owner != nullptr) return false;
        owner = table;
    }
    detail::socket_table::names names;
    if (owner == nullptr || !owner->names_of(handle, names)) return false;
    text += " on " + names.local;
    if (!names.peer.empty()) {
        text += w.kind->side == detail::socket_side::in ? " \u2190 " : " \u2192 ";
        text += names.peer;
    }
    return true;
}

// What a task waits on, in words: the kind, the object (a socket by its addresses,
// else by its address, which tells two mutexes or channels apart), and the number the
// kind gives. A deadline is shown from now on the runtime's clock.
std::string wait_text(const detail::wait_state::snapshot& w, const runtime_ref& rt) {
    std::string text = w.kind->text;
    if (rt && socket_wait_text(w, text)) return text;
    if (w.kind->value == detail::wait_value::task) return text + " task " + std::to_string(w.value);
    // A channel's wait: "mpsc receive (channel 0x..., 0 items, 3 senders)". A receive
    // waits only while the channel is empty; the senders are those at the wait's start.
    if (w.kind->value == detail::wait_value::senders) {
        return text + " (channel " + address(w.object) + ", 0 items, " + std::to_string(w.value) +
               (w.value == 1 ? " sender)" : " senders)");
    }
    if (w.kind->value == detail::wait_value::items) {
        return text + " (channel " + address(w.object) + ", " + std::to_string(w.value) +
               (w.value == 1 ? " item, full)" : " items, full)");
    }
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
        case detail::wait_value::count:  // the children, counted by build_tree
        case detail::wait_value::task:
        case detail::wait_value::senders:
        case detail::wait_value::items:
        case detail::wait_value::none:
            break;
    }
    return text;
}

// What is copied of a record while its list is locked: plain values, so that the
// lock is held for no formatting, clock or allocation beyond the list's own growth.
struct raw_task {
    std::uint64_t id = 0;
    std::uint64_t parent = 0;
    detail::task_kind kind = detail::task_kind::root;
    char name[task_record::name_capacity + 1] = {};
    detail::coroutine_site coroutine{};
    detail::spawn_site site{};
    std::uint64_t started_at = 0;
    const void* scope = nullptr;
    detail::wait_state::snapshot wait{};
    detail::wait_state::timing timing{};
    int depth = 0;  // 0: in the runtime's list; n: a scope child n levels down
};

void copy_list(const detail::task_list& list, int depth, std::vector<raw_task>& out) {
    list.for_each([&](const task_record& r) {
        raw_task t;
        t.id = r.id;
        t.parent = r.parent;
        t.kind = r.kind;
        std::copy(std::begin(r.name), std::end(r.name), std::begin(t.name));
        t.coroutine = r.coroutine;
        t.site = r.site;
        t.started_at = r.started_at;
        t.scope = r.scope;
        t.wait = r.wait.read();
        t.timing = r.wait.read_timing();
        t.depth = depth;
        out.push_back(t);
        // Held while the children are read: none of them can end meanwhile.
        copy_list(r.children, depth + 1, out);
    });
}

task_info format_task(const raw_task& t, const runtime_ref& rt, std::uint64_t now) {
    task_info info;
    info.id = t.id;
    info.parent = t.parent;
    info.kind = kind_name(t.kind);
    info.name = t.name;
    if (t.coroutine.function != nullptr) info.function = t.coroutine.function;
    if (t.coroutine.file != nullptr) info.file = t.coroutine.file;
    info.line = t.coroutine.line;
    if (t.site.file != nullptr) info.spawned_file = t.site.file;
    info.spawned_line = t.site.line;
    // A task that started after `now` was read is as old as nothing.
    info.age = to_time(now > t.started_at ? now - t.started_at : 0);
    info.resumptions = t.timing.resumptions;
    info.busy = to_time(t.timing.busy);
    if (t.wait.kind == nullptr) {
        info.state = task_state::running;
        // Timed only while timing is on: else the time of the run may be stale.
        const std::uint64_t since = t.timing.running_since;
        if (since != 0 && now > since && detail::timing_users.load(std::memory_order_relaxed)) {
            info.waited = to_time(now - since);
            info.busy += info.waited;
        }
        return info;
    }
    info.waited = to_time(now > t.wait.since ? now - t.wait.since : 0);
    if (t.wait.kind->ready) {
        info.state = task_state::ready;
        return info;
    }
    info.state = task_state::waiting;
    info.wait_kind = t.wait.kind->text;
    info.waiting_on = wait_text(t.wait, rt);
    const auto value = static_cast<std::uint64_t>(t.wait.value);
    const detail::wait_value meaning = t.wait.kind->value;
    if ((meaning == detail::wait_value::owner || meaning == detail::wait_value::task) &&
        value != 0) {
        info.waits_for.push_back(value);
    }
    return info;
}

// The tree back from the copied list: each task's children follow it, one level down.
std::vector<task_info> build_tree(const std::vector<raw_task>& raw, std::size_t& at, int depth,
                                  const runtime_ref& rt, std::uint64_t now) {
    std::vector<task_info> tasks;
    while (at < raw.size() && raw[at].depth == depth) {
        task_info info = format_task(raw[at], rt, now);
        if (info.state == task_state::waiting &&
            raw[at].wait.kind->value == detail::wait_value::count) {
            // A scope join waits for the children of that scope still there (the
            // task may run other scopes around it).
            for (std::size_t k = at + 1; k < raw.size() && raw[k].depth > depth; ++k) {
                if (raw[k].depth == depth + 1 && raw[k].scope == raw[at].wait.object) {
                    info.waits_for.push_back(raw[k].id);
                }
            }
            info.waiting_on += " (" + std::to_string(info.waits_for.size()) + " running)";
        }
        ++at;
        info.children = build_tree(raw, at, depth + 1, rt, now);
        tasks.push_back(std::move(info));
    }
    return tasks;
}

std::vector<task_info> describe_list(const detail::task_list& list, const runtime_ref& rt) {
    std::vector<raw_task> raw;
    copy_list(list, 0, raw);
    const std::uint64_t now = detail::task_clock_now();
    std::size_t at = 0;
    return build_tree(raw, at, 0, rt, now);
}

std::string where(const std::string& file, unsigned line) {
    return file + ":" + std::to_string(line);
}

void write_text(std::ostream& out, const task_info& t, int depth) {
    text::write_task_line(out, t, depth * 2);
    for (const task_info& child : t.children) write_text(out, child, depth + 1);
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
    out << "],\"waited_ns\":" << t.waited.count() << ",\"resumptions\":" << t.resumptions
        << ",\"busy_ns\":" << t.busy.count() << ",\"waits_for\":[";
    for (std::size_t i = 0; i < t.waits_for.size(); ++i) {
        if (i != 0) out << ',';
        out << t.waits_for[i];
    }
    out << "]}";
}

}  // namespace

namespace text {

std::string address(const void* p) {
    char text[32];
    std::snprintf(text, sizeof text, "%p", p);
    return text;
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

std::string seconds(std::chrono::nanoseconds d) {
    // to_chars, not printf: the decimal point is a point whatever the C locale says.
    char buffer[32];
    const auto [end, error] =
        std::to_chars(buffer, buffer + sizeof buffer - 2, std::chrono::duration<double>(d).count(),
                      std::chars_format::fixed, 3);
    if (error != std::errc{}) return "? s";
    return std::string(buffer, end) + " s";
}

void write_task_line(std::ostream& out, const task_info& t, int indent) {
    out << std::string(static_cast<std::size_t>(indent), ' ') << "task " << t.id << ' ' << t.kind;
    if (!t.name.empty()) out << " \"" << t.name << '"';
    if (!t.function.empty()) out << ' ' << t.function;
    if (!t.file.empty()) out << " (" << where(t.file, t.line) << ')';
    if (!t.spawned_file.empty()) out << ", spawned at " << where(t.spawned_file, t.spawned_line);
    if (t.parent != 0) out << " by task " << t.parent;
    out << ": " << describe(t);
    if (t.state != task_state::running || t.waited.count() != 0) {
        out << " for " << seconds(t.waited);
    }
    out << ", age " << seconds(t.age);
    if (t.resumptions != 0) {
        out << ", " << t.resumptions << " resumptions, busy " << seconds(t.busy);
    }
    out << '\n';
}

}  // namespace text

std::vector<runtime_info> snapshot() {
    std::vector<runtime_info> runtimes;
    {
        // Keeps every run_state alive while its tasks are read. A stop callback run by
        // request_stop holds it already on this thread.
        std::unique_lock lock(detail::run_slot_mutex(), std::defer_lock);
        if (!detail::this_thread_holds_run_slots()) lock.lock();
        for (const runtime_ref& rt : detail::driven_runtimes()) {
            detail::run_state* run = detail::run_state::of(rt);
            if (run == nullptr) continue;
            // Started is read before the tasks and finished after them: the live tasks
            // are started - finished, give or take those that start or end meanwhile.
            runtime_info info;
            info.name = rt.vtable->name;
            info.tasks_started = run->counters().started.load(std::memory_order_relaxed);
            info.open_sockets =
                rt.vtable->core(rt.self)->open_sockets.load(std::memory_order_relaxed);
            info.tasks = describe_list(run->tasks(), rt);
            info.tasks_finished = run->counters().finished.load(std::memory_order_relaxed);
            runtimes.push_back(std::move(info));
        }
    }
    std::vector<task_info> outside = describe_list(detail::tasks_outside_runs(), runtime_ref{});
    if (!outside.empty()) runtimes.push_back({"sync_wait", std::move(outside)});
    return runtimes;
}

std::string describe(const task_info& task) {
    if (task.state != task_state::waiting) return state_name(task.state);
    return "waiting on " + task.waiting_on;
}

void dump(std::ostream& to) {
    text::write_classic(to, [](std::ostream& out) {
        const std::vector<runtime_info> runtimes = snapshot();
        if (runtimes.empty()) out << "no tasks\n";
        for (const runtime_info& rt : runtimes) {
            out << "runtime " << rt.name << '\n';
            for (const task_info& t : rt.tasks) write_text(out, t, 1);
        }
        text::write_deadlocks(out, find_deadlocks(runtimes));
    });
}

void dump_json(std::ostream& to) {
    text::write_classic(to, [](std::ostream& out) {
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
    });
}

}  // namespace interop::debug
