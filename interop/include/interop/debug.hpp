/// \file
/// What the tasks are doing: a snapshot of every task of every runtime that
/// interop::run drives, as a tree by scope, with what each one waits on.
///
///     interop::debug::dump(std::cerr);       // from any thread, while the runtimes run
///
/// Every task started by interop::run, spawn, scope::spawn or sync_wait is recorded
/// from its start to its end (the record lives in the task's own frame: nothing is
/// allocated for it). A task awaited by another is part of that task. Names come from
/// spawn's optional first argument (interop/task_name.hpp); a task without one shows
/// its coroutine's function name and place, and where it was spawned. See
/// docs/debugging.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace interop::debug {

/// Running: on a thread now. Ready: its resumption is queued. Waiting: on what
/// task_info::waiting_on says.
enum class task_state { running, ready, waiting };

/// One task, as a snapshot saw it.
struct task_info {
    std::uint64_t id = 0;      ///< unique in the process, never 0
    std::uint64_t parent = 0;  ///< the task that spawned it, or that owns its scope; 0: not known
    std::string kind;  ///< "root" (of interop::run), "spawned", "child" (of a scope), "sync_wait"
    std::string name;  ///< given to spawn; empty when none
    std::string function;  ///< the coroutine's function, as the compiler names it
    std::string file;      ///< where that coroutine is defined
    unsigned line = 0;
    std::string spawned_file;  ///< where spawn was called; empty when not known
    unsigned spawned_line = 0;
    task_state state = task_state::running;
    std::string
        waiting_on;  ///< "sleep until +1.250 s", "mutex lock (0x...)", ...; empty unless waiting
    std::chrono::nanoseconds age{};   ///< since it was started
    std::vector<task_info> children;  ///< the children of the scopes it runs
};

/// The tasks of one runtime: the root of interop::run and the spawned tasks, each with
/// its scope children below it.
struct runtime_info {
    std::string name;  ///< the runtime's name ("inline", "libuv", ...); "sync_wait" for tasks
                       ///< outside runtimes
    std::vector<task_info> tasks;
};

/// Every task now recorded, grouped by runtime. Callable from any thread, including
/// a task's own; each task's state is read as it was at one moment.
std::vector<runtime_info> snapshot();

/// The snapshot as an indented tree of text, one line per task.
void dump(std::ostream& out);

/// The snapshot as JSON: {"runtimes":[{"name":...,"tasks":[{"id":...,"children":[...]}]}]}.
void dump_json(std::ostream& out);

/// The text of one state, as dump() shows it: "running", "ready", or "waiting on ...".
std::string describe(const task_info& task);

/// Writes a dump to `out` (null: standard error) each time `signal_number` is raised,
/// until it is cancelled. Spawned once, it serves the whole run:
///
///     auto dumps = co_await interop::spawn(interop::debug::dump_on_signal(SIGUSR1));
///     // kill -USR1 <pid>
///
/// It is a task of the runtime that runs it, so it answers while that runtime's loop
/// turns: tasks waiting on each other leave the loop idle and it answers at once; a
/// task that holds the loop's thread delays it until it lets go. Ends with
/// operation_canceled when cancelled, or with the error of listening for the signal
/// (operation_not_supported on a runtime without signals).
task<io_result<void>> dump_on_signal(int signal_number, std::ostream* out = nullptr);

}  // namespace interop::debug
