// The core's record of one task: the root of interop::run, a spawned task, a scope's
// child, the task of a sync_wait. A task awaited by another is part of its awaiter's
// task, as in tokio. The record says who the task is (an id, a name, the coroutine,
// where it was spawned, its parent) and what it waits on; interop::debug reads it.
//
// It lives in the frame of the task's driver, so keeping it allocates nothing. From
// its start to its end it is linked into the list of its owner: the run's list (the
// root and spawned tasks) or, for a scope's child, the list of the task that owns the
// scope. A reader (a dump, from any thread) walks those lists top-down, holding each
// list's lock while it reads the records in it; a writer (a task starting or ending)
// holds one lock only, so they cannot deadlock, and a record cannot end while read.
//
// What a task waits on is a few words written by whoever moves it between states (the
// task before it suspends, the thread that completes or wakes it): never two at once,
// since each step happens after the one before. The kind, stored last, lets a reader on
// another thread tell the words of one state from a mix (wait_state). Nothing is formatted on
// these paths: the words are a pointer to a static description, an address and a number.
#pragma once

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "interop/context.hpp"
#include "interop/detail/intrusive_list.hpp"
#include "interop/detail/spin_lock.hpp"

namespace interop::detail {

// Where a task was spawned. `here()` as a default argument records the caller of the
// function that declares it, on GCC and Clang alike (std::source_location is not
// available on every compiler interop supports).
struct spawn_site {
    const char* file = nullptr;
    unsigned line = 0;
    static constexpr spawn_site here(const char* file = __builtin_FILE(),
                                     unsigned line = __builtin_LINE()) noexcept {
        return {file, line};
    }
};

// Where a coroutine is: its name and the place of its definition, as the compiler
// gives them. `here()` as the default argument of a promise's constructor is
// evaluated in the coroutine itself (the promise is made in its frame). Task dumps
// show it for tasks without a name.
struct coroutine_site {
    const char* function = nullptr;
    const char* file = nullptr;
    unsigned line = 0;
    static constexpr coroutine_site here(const char* function = __builtin_FUNCTION(),
                                         const char* file = __builtin_FILE(),
                                         unsigned line = __builtin_LINE()) noexcept {
        return {function, file, line};
    }
};

// A clock for ages, cheap enough to read at every task's start: the time-stamp counter
// where there is one (converted to time only when a dump reads it), steady_clock else.
inline std::uint64_t task_clock_now() noexcept {
#if defined(__x86_64__)
    return __builtin_ia32_rdtsc();
#else
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// INTEROP_NO_WAIT_NOTES, defined for a whole build, compiles out the notes that a
// waiting operation makes, so that a benchmark can measure what they cost
// (docs/performance.md). A dump then shows every waiting stream operation as running.
#if defined(INTEROP_NO_WAIT_NOTES)
inline constexpr bool wait_notes = false;
#else
inline constexpr bool wait_notes = true;
#endif

// How many want running time counted (debug::timing, debug::watch_slow_polls,
// debug::trace). While none does, a resumption pays one load and a branch for it.
inline std::atomic<int> timing_users{0};

// Whether a trace records (debug::trace): looked at only while timing is on.
inline std::atomic<bool> tracing{false};

class wait_state;
struct wait_kind;
class deadline_slot;

// A trace's records of a state that ended (interop/src/debug_trace.cpp): a run of the
// task from `from` to `to`, or a wait on `kind`. `w` is the record's own wait_state.
void trace_run(const wait_state& w, std::uint64_t from, std::uint64_t to) noexcept;
void trace_wait(const wait_state& w, const wait_kind* kind, const void* object, std::int64_t value,
                std::uint64_t from, std::uint64_t to) noexcept;

enum class task_kind : std::uint8_t { root, spawned, child, blocking };

// What the number of a wait means, for the text of a dump.
enum class wait_value : std::uint8_t {
    none,
    deadline,
    task,
    owner,
    pid,
    signal,
    count,
    senders,  // a channel's senders, when a receive waits (with no item)
    items,    // the items a full channel holds, when a send waits
};

// Whether a wait's object is a socket handle, and which way its data goes: a dump
// then names the socket by its addresses ("read on 127.0.0.1:40312 <- 127.0.0.1:7000").
enum class socket_side : std::uint8_t { none, in, out };

// A kind of wait: one static object per kind, so a reader may always dereference it.
struct wait_kind {
    const char* text;  // "read", "sleep", "mutex lock", ...
    wait_value value;
    bool ready;  // not waiting on anything: runnable, its resumption is queued
    socket_side side = socket_side::none;
};

inline constexpr wait_kind wait_ready{"ready", wait_value::none, true};

// The state of a task: running (kind null), ready, or waiting on `object` (an address
// that is shown, never dereferenced by a reader) with a number whose meaning the kind
// gives. A writer first marks the state as changing (no kind) and sets the kind last;
// a reader that finds the same kind before and after reading the words has the words
// of one state, or of two states of the same kind (only the number and the time may
// then be the older one's): good enough for a dump, and five stores and a read of the
// time-stamp counter for the task that waits. The time is how long it has waited, for
// debug::stalled().
//
// With timing on (timing_users), a resumption also notes when it began and counts
// itself, and the next change of state from running adds the run to the busy time.
// Only the task's own thread, or the one resuming it, writes these: in turn. They are
// the record's (wait_timing), away from the words every wait writes: a wait_state is
// always a task_record's, which its timed paths reach through record_of().
class wait_state {
public:
    void set(const wait_kind* kind, const void* object, std::int64_t value) noexcept {
        const std::uint64_t now = task_clock_now();
        if (timing_users.load(std::memory_order_relaxed) != 0) [[unlikely]]
            end_state(now);
        kind_.store(nullptr, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        object_.store(object, std::memory_order_relaxed);
        value_.store(value, std::memory_order_relaxed);
        since_.store(now, std::memory_order_relaxed);
        kind_.store(kind, std::memory_order_release);
    }
    // The same, from a running task's own thread: its kind is null already (whatever
    // woke it cleared it), so the first store is not needed. `value` is stored only
    // when `with_value`.
    template <bool with_value>
    void set_from_running(const wait_kind* kind, const void* object, std::int64_t value) noexcept {
        // The timed path whole and out of line, so that this one holds nothing across
        // a call.
        if (timing_users.load(std::memory_order_relaxed) != 0) [[unlikely]]
            return set_timed(kind, object, value, with_value);
        object_.store(object, std::memory_order_relaxed);
        if constexpr (with_value) value_.store(value, std::memory_order_relaxed);
        since_.store(task_clock_now(), std::memory_order_relaxed);
        kind_.store(kind, std::memory_order_release);
    }
    // A new number for the same wait (a mutex's new holder): when it began stays.
    void set_value(std::int64_t value) noexcept { value_.store(value, std::memory_order_relaxed); }
    // Running again. Always inlined: a completion that resumes its task calls it for
    // every wait, and a call costs more than the load, test and store it is.
    [[gnu::always_inline]] void clear() noexcept {
        if (timing_users.load(std::memory_order_relaxed) != 0) [[unlikely]]
            begin_run();
        kind_.store(nullptr, std::memory_order_release);
    }
    // Running again, and resumes `task`: what a completion does last. Every path ends
    // in a call, so the caller needs no frame of its own for the rare timed one.
    [[gnu::always_inline]] void clear_and_resume(std::coroutine_handle<> task) noexcept {
        if (timing_users.load(std::memory_order_relaxed) != 0) [[unlikely]]
            return clear_timed_and_resume(task);
        kind_.store(nullptr, std::memory_order_release);
        task.resume();
    }
    // The task has finished: its last run ends (for a trace).
    void finish() noexcept;

    // What timing counted (zero while it was off), and since when the task runs (0:
    // not running, or not timed). Relaxed: a dump's figures.
    struct timing {
        std::uint64_t resumptions = 0;
        std::uint64_t busy = 0;  // ticks of task_clock_now()
        std::uint64_t running_since = 0;
    };
    timing read_timing() const noexcept;

    struct snapshot {
        const wait_kind* kind = nullptr;
        const void* object = nullptr;
        std::int64_t value = 0;
        std::uint64_t since = 0;  // task_clock_now() when the state was set
    };
    // From any thread. Gives up after many changes seen (a task that waits and wakes
    // without pause) rather than hold a dump up.
    snapshot read() const noexcept {
        for (int tries = 0; tries < 1000; ++tries) {
            const wait_kind* kind = kind_.load(std::memory_order_acquire);
            if (kind == nullptr) return {};
            const snapshot s{kind, object_.load(std::memory_order_relaxed),
                             value_.load(std::memory_order_relaxed),
                             since_.load(std::memory_order_relaxed)};
            std::atomic_thread_fence(std::memory_order_acquire);
            if (kind_.load(std::memory_order_relaxed) == kind) return s;
        }
        return {};
    }

private:
    // The slow paths, with timing on, out of line (debug_timing.cpp) so that the
    // paths above stay small enough to inline. Whoever changes the state ends the one
    // before: a run (the task itself suspends) or a wait (a waker makes it ready).
    void end_state(std::uint64_t now) noexcept;
    void begin_run() noexcept;
    void clear_timed_and_resume(std::coroutine_handle<> task) noexcept;
    void set_timed(const wait_kind* kind, const void* object, std::int64_t value,
                   bool with_value) noexcept;
    void end_run(std::uint64_t now) noexcept;
    void end_wait(const wait_kind* kind, std::uint64_t now) const noexcept;

    std::atomic<const wait_kind*> kind_{nullptr};
    std::atomic<const void*> object_{nullptr};
    std::atomic<std::int64_t> value_{0};
    std::atomic<std::uint64_t> since_{0};
};

// What timing counts of a task's runs (wait_state), written only while timing is on.
struct wait_timing {
    std::atomic<std::uint64_t> resumed_at{0};
    std::atomic<std::uint64_t> busy{0};
    std::atomic<std::uint64_t> resumptions{0};
};

struct task_record;

// The tasks started and finished in one run (run_state keeps them): counters for
// debug::metrics, added to by each task's start and end.
struct task_counters {
    std::atomic<std::uint64_t> started{0};
    std::atomic<std::uint64_t> finished{0};
};

// An intrusive list of records with a one-byte spin lock: held only to link, unlink
// or read the records in it.
class task_list {
public:
    task_list() = default;
    task_list(const task_list&) = delete;
    task_list& operator=(const task_list&) = delete;

    void link(task_record* r) noexcept;
    void unlink(task_record* r) noexcept;

    // Calls f(record) for each record, in start order, holding the lock: none of them
    // can end meanwhile. f must not link or unlink in this list.
    template <typename F>
    void for_each(F&& f) const {
        lock();
        struct unlocker {
            const task_list* list;
            ~unlocker() { list->unlock(); }
        } guard{this};
        for (task_record* r = records_.front(); r != nullptr; r = next_of(r)) f(*r);
    }

    // Runs f() holding the lock: for a change to a record in this list.
    template <typename F>
    void update(F&& f) noexcept {
        lock();
        f();
        unlock();
    }

private:
    static task_record* next_of(const task_record* r) noexcept;
    void lock() const noexcept { lock_.lock(); }
    void unlock() const noexcept { lock_.unlock(); }

    mutable spin_lock lock_;
    intrusive_list<task_record> records_;
};

// Where a new task comes from, given by whoever starts it.
struct task_origin {
    task_kind kind = task_kind::root;
    std::string_view name{};     // copied (at most task_record::name_capacity bytes)
    coroutine_site coroutine{};  // the task's coroutine, as the compiler names it
    spawn_site site{};
    std::uint64_t parent = 0;     // the spawning task's id; 0: none or not known
    task_list* list = nullptr;    // where it is linked; null: the list of tasks outside a run
    std::uint64_t id = 0;         // given in advance (a join handle shows it); 0: a new one
    const void* scope = nullptr;  // the scope that runs it, for a scope's child
};

struct task_record {
    static constexpr std::size_t name_capacity = 31;

    // What a wait touches of the record comes first, in one span of 104 bytes on a
    // 64-bit target (see the static_asserts below): the wait state (32), the task's
    // own context (48), and the hot words of its stop slot (24). The wait state is
    // first, so that a wait reaches it at the record's own address and its timed
    // paths reach the record.
    wait_state wait;
    task_context ctx{};  // the task's own context; ctx.task points here
    // The stop callback of the task's own context (context_stop.hpp), registered when
    // an operation of the task first waits and released by its driver when it ends.
    // Its first words are what a wait touches; its callback's storage follows, cold.
    context_stop stop;
    wait_timing timing;  // only with timing on
    std::uint64_t id = 0;
    std::uint64_t parent = 0;
    coroutine_site coroutine{};
    spawn_site site{};
    task_kind kind = task_kind::root;
    // Started by a driver (driver.hpp), whose frame holds this record: only such a task
    // may have a deadline timer (below). Beside `kind`, in the padding before the next
    // pointer: at the end, it would cost every record a word.
    bool driven = false;
    const void* scope = nullptr;  // a child's scope: the one whose join waits for it
    char name[name_capacity + 1] = {};
    std::uint64_t started_at = 0;       // task_clock_now()
    task_counters* counters = nullptr;  // its run's; null outside interop::run

    // Owned by the list it is in.
    task_list* list = nullptr;
    task_record* prev = nullptr;
    task_record* next = nullptr;

    // The children of the scopes this task runs (with_scope), while they run.
    task_list children;

    // The task's deadline timer (deadline_slot.hpp), made when an operation of the task
    // first waits under timeout() and kept until the task ends. Only a driven task may
    // have one: a context made by hand shares its record, and its operations take
    // timeout()'s general way.
    deadline_slot* deadline = nullptr;
};

static_assert(std::is_standard_layout_v<task_record>, "record_of() needs it");
static_assert(offsetof(task_record, wait) == 0, "record_of() needs it");
static_assert(offsetof(task_record, stop) == sizeof(wait_state) + sizeof(task_context),
              "what a wait touches is one span");
static_assert(sizeof(void*) != 8 || offsetof(task_record, stop) + context_stop::hot_bytes() == 104,
              "a wait touches the record's first 104 bytes (on a 64-bit target)");

// The record of a wait state, which is always a record's first member.
inline task_record& record_of(wait_state& w) noexcept { return reinterpret_cast<task_record&>(w); }
inline const task_record& record_of(const wait_state& w) noexcept {
    return reinterpret_cast<const task_record&>(w);
}

inline task_record* task_list::next_of(const task_record* r) noexcept { return r->next; }

inline void task_list::link(task_record* r) noexcept {
    update([&] {
        r->list = this;
        records_.push_back(r);
    });
}

inline void task_list::unlink(task_record* r) noexcept {
    update([&] { records_.remove(r); });
}

// A task started from a callable learns its coroutine only once it runs the callable
// (invoke_task.hpp): noted then, under its list's lock, as a reader may be looking.
inline void note_coroutine(task_record& r, const coroutine_site& where) noexcept {
    if (r.coroutine.function != nullptr || r.list == nullptr) return;
    r.list->update([&] { r.coroutine = where; });
}

// A new task id: unique in the process, never 0. Ids come from a per-thread block, so
// starting a task touches no shared line.
std::uint64_t next_task_id() noexcept;

// The list of tasks that no run owns (sync_wait's).
task_list& tasks_outside_runs() noexcept;

// Fills in `r` for a task about to start in (a copy of) `ctx`, and links it. Its state
// is "ready": its start is queued.
void begin_task(task_record& r, const task_context& ctx, const task_origin& origin) noexcept;

// A trace's records of a task's start (the flow from its spawner) and end (who it
// was: a trace outlives the record).
void trace_task_begin(const task_record& r) noexcept;
void trace_task_end(task_record& r) noexcept;

// The task has finished (or was never started): it leaves its list. Called before its
// owner hears that it has finished, after which the list may be gone.
inline void end_task(task_record& r) noexcept {
    if (tracing.load(std::memory_order_relaxed)) [[unlikely]]
        trace_task_end(r);
    if (r.list != nullptr) r.list->unlink(&r);
    // After the unlink, so that a snapshot never finds it listed and counted finished;
    // the counters are its run's, which outlives it.
    if (r.counters != nullptr) r.counters->finished.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace interop::detail
