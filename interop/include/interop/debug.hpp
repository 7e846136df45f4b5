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
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
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
    std::string wait_kind;           ///< "sleep", "mutex lock", "read", ...; empty unless waiting
    std::chrono::nanoseconds age{};  ///< since it was started
    /// In its present state: waiting or ready; running too while timing is on (else
    /// zero when running).
    std::chrono::nanoseconds waited{};
    /// Counted while timing is on (debug::timing): how often it was resumed, and how
    /// long it ran, its present run included.
    std::uint64_t resumptions = 0;
    std::chrono::nanoseconds busy{};
    /// The tasks that must go on before it can: the holder of the mutex it locks, the
    /// task it joins, the children of the scope it joins. Empty for other waits.
    std::vector<std::uint64_t> waits_for;
    std::vector<task_info> children;  ///< the children of the scopes it runs
};

/// The tasks of one runtime: the root of interop::run and the spawned tasks, each with
/// its scope children below it.
struct runtime_info {
    std::string name;  ///< the runtime's name ("inline", "libuv", ...); "sync_wait" for tasks
                       ///< outside runtimes
    std::vector<task_info> tasks;
    /// Counted since interop::run began driving it (zero for "sync_wait"): every task
    /// started and finished, scope children included, and the sockets and pipes the
    /// program holds open on it (listeners and UDP sockets included).
    std::uint64_t tasks_started = 0;
    std::uint64_t tasks_finished = 0;
    std::int64_t open_sockets = 0;
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

/// Tasks that wait on one another in a cycle: each waits for the next, the last for
/// the first, through a mutex the next one holds, a task it joins, or a scope whose
/// children it joins. Nothing outside the cycle (I/O, a timer, another thread) ends
/// such a wait; only cancelling one of them does.
struct deadlock {
    std::vector<task_info> tasks;  ///< in the order of the cycle, without their children
};

/// The deadlocks among the tasks of a snapshot, one cycle for each group of tasks
/// stuck together.
std::vector<deadlock> find_deadlocks(const std::vector<runtime_info>& tasks);
/// The same for a new snapshot.
std::vector<deadlock> find_deadlocks();

/// The tasks of a snapshot that have been waiting, or ready without running, for at
/// least `threshold`, the longest first, without their children.
std::vector<task_info> stalled(std::chrono::nanoseconds threshold,
                               const std::vector<runtime_info>& tasks);
/// The same for a new snapshot.
std::vector<task_info> stalled(std::chrono::nanoseconds threshold);

/// "Why is it blocked": the deadlocks, then the tasks stalled for at least
/// `threshold`, as text, each task with its name, where it was spawned and what it
/// waits on. dump() ends with the deadlocks too.
void report_blocked(std::ostream& out,
                    std::chrono::nanoseconds threshold = std::chrono::seconds(1));

/// One runtime's tasks counted, as a snapshot saw them: gauges, for a server to
/// serve (write_prometheus) or a program to log.
struct runtime_metrics {
    std::string name;         ///< as runtime_info::name
    std::uint64_t tasks = 0;  ///< live: running, ready or waiting
    std::uint64_t running = 0;
    std::uint64_t ready = 0;  ///< the ready queue's depth, as the core sees it
    std::uint64_t waiting = 0;
    std::uint64_t pending_timers = 0;  ///< tasks waiting on a sleep or a deadline
    /// Waiting tasks by what they wait on ("read", "accept", "mutex lock", ...), the
    /// most common first: the operations in flight.
    std::vector<std::pair<std::string, std::uint64_t>> waits;
    std::uint64_t resumptions = 0;    ///< of the live tasks, while timing is on
    std::chrono::nanoseconds busy{};  ///< of the live tasks, while timing is on
    std::uint64_t tasks_started = 0;  ///< counters since the run began: runtime_info's
    std::uint64_t tasks_finished = 0;
    std::int64_t open_sockets = 0;  ///< a gauge: sockets and pipes open on the runtime
};

/// The metrics of each runtime of a snapshot, or of a new one.
std::vector<runtime_metrics> metrics(const std::vector<runtime_info>& tasks);
std::vector<runtime_metrics> metrics();

/// The metrics of a new snapshot in the Prometheus text exposition format (version
/// 0.0.4): the counters interop_tasks_started_total{runtime} and
/// interop_tasks_finished_total{runtime}, and the gauges interop_tasks{runtime,state},
/// interop_waits{runtime,kind}, interop_pending_timers{runtime},
/// interop_open_sockets{runtime}, interop_task_resumptions{runtime} and
/// interop_task_busy_seconds{runtime}.
void write_prometheus(std::ostream& out);

/// While one of these lives, each task's resumptions and running time are counted
/// (task_info::resumptions, busy, and how long a running task has run). Off, a
/// resumption pays a load and a branch for it; on, two reads of the time-stamp
/// counter and a few stores. A run that began before timing was on is not counted.
class timing {
public:
    timing() noexcept;
    ~timing();
    timing(const timing&) = delete;
    timing& operator=(const timing&) = delete;
};

/// A task seen holding its runtime's thread since its last resumption for at least
/// the threshold: its task_info (state running; `waited` is how long it had run when
/// seen).
using slow_poll_report = std::function<void(const task_info&)>;

/// Watches for slow polls (a blocking call inside async code, a long computation
/// without a yield) until destroyed or stopped.
class slow_poll_watch {
public:
    slow_poll_watch() noexcept;
    slow_poll_watch(slow_poll_watch&&) noexcept;
    slow_poll_watch& operator=(slow_poll_watch&&) noexcept;
    ~slow_poll_watch();
    /// Stops watching; returns once no report runs any more.
    void stop() noexcept;

private:
    friend slow_poll_watch watch_slow_polls(std::chrono::nanoseconds, slow_poll_report);
    struct state;
    explicit slow_poll_watch(std::unique_ptr<state> s) noexcept;
    std::unique_ptr<state> state_;
};

/// Starts a thread that looks at every task each `threshold / 2` and reports, once
/// per resumption, a task that has run for `threshold` or longer without suspending
/// (so a poll of 1.5 × threshold or more is always seen). Turns timing on while it
/// watches. `report` runs on that thread; by default it writes a line to standard
/// error:
///
///     auto watch = interop::debug::watch_slow_polls(10ms);
///     // slow poll: task 7 spawned "parser" parse (parser.cpp:40), spawned at ...: running for
///     0.012 s, ...
[[nodiscard]] slow_poll_watch watch_slow_polls(
    std::chrono::nanoseconds threshold = std::chrono::milliseconds(10),
    slow_poll_report report = {});

/// Records a timeline of the tasks while it lives, to be written as Chrome
/// trace-event JSON (open it in ui.perfetto.dev or chrome://tracing):
///
///     interop::debug::trace recording;      // before or while the runtimes run
///     ...
///     std::ofstream file("interop.trace.json");
///     recording.flush(file);
///
/// Each runtime is a process and each task a thread of the timeline, named after the
/// task. A task's track shows each of its runs ("run", with the thread it ran on), each
/// wait ("read", "sleep", "accept", "mutex lock", ... with what it waited on) and each
/// time it was ready but not yet running ("ready"), and an arrow from a spawner to
/// each task it spawned. An operation that completes without waiting is part of the
/// run that started it. Events go to a ring of fixed size that keeps the newest; a
/// task's state that began before the trace is cut at its start.
///
/// It turns timing on (debug::timing). Recording costs each change of a task's state
/// a short lock and the event's copy (docs/performance.md has the figures). One trace
/// records at a time.
class trace {
public:
    /// Starts recording into a ring that keeps the newest `capacity` events (rounded up
    /// to a power of two, at least 64). Throws std::logic_error while another trace
    /// records.
    explicit trace(std::size_t capacity = std::size_t{1} << 16);
    /// Stops recording; what was not flushed is dropped.
    ~trace();
    trace(const trace&) = delete;
    trace& operator=(const trace&) = delete;

    /// Writes the events the ring holds (those recorded since the last flush, or the
    /// newest of them) as a JSON document, and empties the ring; recording goes on.
    /// Callable from any thread, a task's own included.
    void flush(std::ostream& out);

    /// Events recorded since the trace began, and how many of them the ring dropped
    /// (overwritten before a flush).
    struct counts {
        std::uint64_t recorded = 0;
        std::uint64_t dropped = 0;
    };
    counts counted() const noexcept;

private:
    timing on_;
    std::size_t size_;  // the ring's, in events
};

/// Serves the program's side of interop-console (a live view of the tasks, like
/// tokio-console) on a Unix domain socket at `path`, until cancelled:
///
///     auto serving = interop::debug::serve_console("/tmp/app.sock");
///     auto console = co_await interop::spawn("console", std::move(serving));
///     // interop-console --socket /tmp/app.sock
///
/// Each connection sends one line, "view", "json" or "metrics", and gets
/// console_answer() of it; then the connection is closed (`socat - UNIX:/tmp/app.sock`
/// works too). The socket file must not exist; it is made readable and writable by
/// the program's user only, and removed when serving ends. A client has 5 s to ask and
/// to take the answer, and eight are served at once. Ends
/// with operation_canceled when cancelled, or with the error of binding the socket
/// (operation_not_supported on a runtime without Unix sockets). It is a task of the
/// runtime that runs it: like dump_on_signal, it answers while that runtime's loop
/// turns.
task<io_result<void>> serve_console(std::string path);

/// What serve_console answers to a request: "view" (each runtime's metrics on a line,
/// then its tasks as dump() shows them), "json" (dump_json) or "metrics"
/// (write_prometheus); an error line for anything else.
std::string console_answer(std::string_view request);

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
