// Metrics (interop/debug.hpp): each runtime's tasks counted from a snapshot, and the
// Prometheus text exposition format of them.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "debug_text.hpp"
#include "debug_walk.hpp"
#include "interop/debug.hpp"

namespace interop::debug {

namespace {

void count(const task_info& t, runtime_metrics& m) {
    ++m.tasks;
    m.resumptions += t.resumptions;
    m.busy += t.busy;
    switch (t.state) {
        case task_state::running:
            ++m.running;
            break;
        case task_state::ready:
            ++m.ready;
            break;
        case task_state::waiting: {
            ++m.waiting;
            if (t.wait_kind == "sleep") ++m.pending_timers;
            auto at = std::find_if(m.waits.begin(), m.waits.end(),
                                   [&t](const auto& w) { return w.first == t.wait_kind; });
            if (at == m.waits.end()) {
                m.waits.emplace_back(t.wait_kind, 1);
            } else {
                ++at->second;
            }
            break;
        }
    }
}

// A label value as the format wants it: backslash, double quote and line feed escaped.
std::string label(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

void header(std::ostream& out, const char* name, const char* help, const char* type = "gauge") {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

// One series per runtime.
template <typename Value>
void per_runtime(std::ostream& out, const std::vector<runtime_metrics>& all, const char* name,
                 Value value) {
    for (const runtime_metrics& m : all) {
        out << name << "{runtime=\"" << label(m.name) << "\"} " << value(m) << '\n';
    }
}

}  // namespace

std::vector<runtime_metrics> metrics(const std::vector<runtime_info>& tasks) {
    std::vector<runtime_metrics> all;
    for (const runtime_info& rt : tasks) {
        runtime_metrics m;
        m.name = rt.name;
        m.tasks_started = rt.tasks_started;
        m.tasks_finished = rt.tasks_finished;
        m.open_sockets = rt.open_sockets;
        // Two runtimes of one kind are told apart by their place: every series of the
        // format must be unique.
        const auto same = std::count_if(all.begin(), all.end(), [&rt](const runtime_metrics& o) {
            return o.name == rt.name || o.name.rfind(rt.name + "#", 0) == 0;
        });
        if (same != 0) m.name += "#" + std::to_string(same + 1);
        auto add = [&m](const task_info& t) { count(t, m); };
        walk::each_task(rt.tasks, add);
        std::stable_sort(m.waits.begin(), m.waits.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        all.push_back(std::move(m));
    }
    return all;
}

std::vector<runtime_metrics> metrics() { return metrics(snapshot()); }

void write_prometheus(std::ostream& to) {
    text::write_classic(to, [](std::ostream& out) {
        const std::vector<runtime_metrics> all = metrics();
        header(out, "interop_tasks_started_total",
               "Tasks started on a runtime since its run began.", "counter");
        per_runtime(out, all, "interop_tasks_started_total",
                    [](const runtime_metrics& m) { return m.tasks_started; });
        header(out, "interop_tasks_finished_total",
               "Tasks finished on a runtime since its run began.", "counter");
        per_runtime(out, all, "interop_tasks_finished_total",
                    [](const runtime_metrics& m) { return m.tasks_finished; });
        header(out, "interop_tasks", "Live tasks of a runtime by state.");
        for (const runtime_metrics& m : all) {
            const std::string rt = "runtime=\"" + label(m.name) + "\"";
            out << "interop_tasks{" << rt << ",state=\"running\"} " << m.running << '\n';
            out << "interop_tasks{" << rt << ",state=\"ready\"} " << m.ready << '\n';
            out << "interop_tasks{" << rt << ",state=\"waiting\"} " << m.waiting << '\n';
        }
        header(out, "interop_waits", "Waiting tasks of a runtime by what they wait on.");
        for (const runtime_metrics& m : all) {
            for (const auto& [kind, n] : m.waits) {
                out << "interop_waits{runtime=\"" << label(m.name) << "\",kind=\"" << label(kind)
                    << "\"} " << n << '\n';
            }
        }
        header(out, "interop_pending_timers", "Tasks of a runtime waiting on a sleep or deadline.");
        per_runtime(out, all, "interop_pending_timers",
                    [](const runtime_metrics& m) { return m.pending_timers; });
        header(out, "interop_open_sockets", "Sockets and pipes open on a runtime.");
        per_runtime(out, all, "interop_open_sockets",
                    [](const runtime_metrics& m) { return m.open_sockets; });
        header(out, "interop_task_resumptions",
               "Resumptions of a runtime's live tasks while timing is on.");
        per_runtime(out, all, "interop_task_resumptions",
                    [](const runtime_metrics& m) { return m.resumptions; });
        header(out, "interop_task_busy_seconds",
               "Running time of a runtime's live tasks while timing is on.");
        per_runtime(out, all, "interop_task_busy_seconds", [](const runtime_metrics& m) {
            return std::chrono::duration<double>(m.busy).count();
        });
    });
}

}  // namespace interop::debug
