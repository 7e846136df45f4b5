// "Why is it blocked" (interop/debug.hpp): cycles of tasks waiting for one another, and
// tasks that have waited too long, found in a snapshot.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <unordered_map>
#include <utility>
#include <vector>

#include "debug_text.hpp"
#include "debug_walk.hpp"
#include "interop/debug.hpp"

namespace interop::debug {

namespace {

// Every task of a snapshot, children included, each without its children.
std::vector<task_info> flatten(const std::vector<runtime_info>& runtimes) {
    std::vector<task_info> out;
    auto add = [&out](const task_info& t) {
        task_info alone = t;
        alone.children.clear();
        out.push_back(std::move(alone));
    };
    for (const runtime_info& rt : runtimes) walk::each_task(rt.tasks, add);
    return out;
}

// The graph of "waits for" among the tasks, by index.
struct wait_graph {
    std::vector<std::vector<std::size_t>> edges;

    explicit wait_graph(const std::vector<task_info>& tasks) : edges(tasks.size()) {
        std::unordered_map<std::uint64_t, std::size_t> index;
        for (std::size_t i = 0; i < tasks.size(); ++i) index.emplace(tasks[i].id, i);
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            for (const std::uint64_t id : tasks[i].waits_for) {
                // A task that ended between two lists' reads is not waited for.
                if (auto found = index.find(id); found != index.end()) {
                    edges[i].push_back(found->second);
                }
            }
        }
    }
};

// The cycles a depth-first walk meets (each closes at an edge back to a task on the
// walk's path), at most one for each group of tasks stuck together. Iterative: a long
// chain of joins must not overflow the stack.
std::vector<std::vector<std::size_t>> find_cycles(const wait_graph& graph) {
    enum class mark : std::uint8_t { unseen, on_path, done };
    const std::size_t n = graph.edges.size();
    std::vector<mark> marks(n, mark::unseen);
    std::vector<bool> reported(n, false);
    std::vector<std::vector<std::size_t>> cycles;
    std::vector<std::pair<std::size_t, std::size_t>> path;  // task, next edge to follow
    for (std::size_t start = 0; start < n; ++start) {
        if (marks[start] != mark::unseen) continue;
        marks[start] = mark::on_path;
        path.emplace_back(start, 0);
        while (!path.empty()) {
            auto& [task, next_edge] = path.back();
            if (next_edge == graph.edges[task].size()) {
                marks[task] = mark::done;
                path.pop_back();
                continue;
            }
            const std::size_t to = graph.edges[task][next_edge++];
            if (marks[to] == mark::unseen) {
                marks[to] = mark::on_path;
                path.emplace_back(to, 0);
            } else if (marks[to] == mark::on_path) {
                auto from = std::find_if(path.begin(), path.end(),
                                         [to](const auto& step) { return step.first == to; });
                std::vector<std::size_t> cycle;
                for (; from != path.end(); ++from) cycle.push_back(from->first);
                const bool seen = std::any_of(cycle.begin(), cycle.end(),
                                              [&reported](std::size_t i) { return reported[i]; });
                if (!seen) {
                    for (const std::size_t i : cycle) reported[i] = true;
                    cycles.push_back(std::move(cycle));
                }
            }
        }
    }
    return cycles;
}

}  // namespace

std::vector<deadlock> find_deadlocks(const std::vector<runtime_info>& tasks) {
    const std::vector<task_info> all = flatten(tasks);
    std::vector<deadlock> found;
    for (const std::vector<std::size_t>& cycle : find_cycles(wait_graph(all))) {
        deadlock d;
        for (const std::size_t i : cycle) d.tasks.push_back(all[i]);
        found.push_back(std::move(d));
    }
    return found;
}

std::vector<deadlock> find_deadlocks() { return find_deadlocks(snapshot()); }

std::vector<task_info> stalled(std::chrono::nanoseconds threshold,
                               const std::vector<runtime_info>& tasks) {
    std::vector<task_info> found;
    for (task_info& t : flatten(tasks)) {
        if (t.state != task_state::running && t.waited >= threshold) found.push_back(std::move(t));
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const task_info& a, const task_info& b) { return a.waited > b.waited; });
    return found;
}

std::vector<task_info> stalled(std::chrono::nanoseconds threshold) {
    return stalled(threshold, snapshot());
}

void report_blocked(std::ostream& to, std::chrono::nanoseconds threshold) {
    text::write_classic(to, [threshold](std::ostream& out) {
        const std::vector<runtime_info> tasks = snapshot();
        const std::vector<deadlock> deadlocks = find_deadlocks(tasks);
        text::write_deadlocks(out, deadlocks);
        // The deadlocked tasks have been named once already.
        std::vector<task_info> slow = stalled(threshold, tasks);
        for (const deadlock& d : deadlocks) {
            for (const task_info& stuck : d.tasks) {
                std::erase_if(slow, [&stuck](const task_info& t) { return t.id == stuck.id; });
            }
        }
        if (deadlocks.empty()) out << "no deadlock\n";
        if (slow.empty()) {
            out << (deadlocks.empty() ? "" : "besides, ") << "no task has waited "
                << text::seconds(threshold) << " or more\n";
        } else {
            out << (deadlocks.empty() ? "" : "besides, ") << "stalled: " << slow.size()
                << (slow.size() == 1 ? " task has" : " tasks have") << " waited "
                << text::seconds(threshold) << " or more\n";
            for (const task_info& t : slow) text::write_task_line(out, t, 2);
        }
    });
}

namespace text {

void write_deadlocks(std::ostream& out, const std::vector<deadlock>& found) {
    for (const deadlock& d : found) {
        if (d.tasks.size() == 1) {
            out << "deadlock: a task waits for itself\n";
        } else {
            out << "deadlock: " << d.tasks.size()
                << " tasks wait for one another, each for the next and the last for the first\n";
        }
        for (const task_info& t : d.tasks) write_task_line(out, t, 2);
    }
}

}  // namespace text

}  // namespace interop::debug
