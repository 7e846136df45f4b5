// interop::debug::trace (interop/debug.hpp): a ring of fixed-size events, filled by the
// slow paths of detail::wait_state and the start and end of each task, and written as
// Chrome trace-event JSON on demand.
//
// Writers (any thread that changes a task's state) take the ring's spin lock for the
// copy of one event; a flush swaps in an empty ring under the same lock and formats
// the full one without it. Events hold no text that a task owns: names are copied
// (the end of a task records who it was) or point at static strings (the compiler's
// function and file names, the wait kinds).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <locale>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "debug_clock.hpp"
#include "debug_text.hpp"
#include "debug_walk.hpp"
#include "interop/debug.hpp"
#include "interop/detail/spin_lock.hpp"
#include "interop/detail/task_record.hpp"

namespace interop {

namespace detail {

namespace {

enum class event_type : std::uint8_t { run, wait, spawn, end };

// A run or a wait, from the event's `at` to `to`.
struct span_fields {
    std::uint64_t to;
    const wait_kind* kind;  // null for a run
    const void* object;
    std::int64_t value;
};

// Who a task was, recorded at its end.
struct task_fields {
    std::uint64_t parent;
    const char* function;
    const char* file;
    const char* spawned_file;
    unsigned line;
    unsigned spawned_line;
    char runtime[32];
    char name[task_record::name_capacity + 1];
};

struct event {
    std::uint64_t task;  // whose track it is on
    std::uint64_t at;    // task_clock_now()
    std::uint32_t thread;
    event_type type;
    union {
        span_fields span;
        std::uint64_t child;  // spawn: the task spawned
        task_fields who;      // end
    };
};

static_assert(sizeof(void*) != 8 || sizeof(event) == 128,
              "docs/debugging.md gives the size of an event");

struct trace_ring {
    spin_lock lock;
    std::vector<event> slots;   // a power of two; empty while no trace records
    std::uint64_t written = 0;  // since the last flush
    std::uint64_t recorded = 0;
    std::uint64_t dropped = 0;
    std::uint64_t began = 0;  // task_clock_now() when the trace began
};

trace_ring& the_ring() {
    static trace_ring r;
    return r;
}

// A small number per thread, for the runs' "thread" argument.
std::uint32_t this_thread_number() noexcept {
    static std::atomic<std::uint32_t> next{1};
    thread_local const std::uint32_t number = next.fetch_add(1, std::memory_order_relaxed);
    return number;
}

template <typename Fill>
void record(std::uint64_t task, std::uint64_t at, event_type type, Fill&& fill) noexcept {
    if (task == 0) return;  // detail::unrecorded_task's: no task's
    const std::uint32_t thread = this_thread_number();
    trace_ring& r = the_ring();
    r.lock.lock();
    if (!r.slots.empty()) {
        event& e = r.slots[r.written & (r.slots.size() - 1)];
        e.task = task;
        e.at = at;
        e.thread = thread;
        e.type = type;
        fill(e);
        if (r.written >= r.slots.size()) ++r.dropped;
        ++r.written;
        ++r.recorded;
    }
    r.lock.unlock();
}

template <std::size_t N>
void copy_text(char (&to)[N], const char* from) noexcept {
    std::size_t n = 0;
    for (; from != nullptr && from[n] != '\0' && n + 1 < N; ++n) to[n] = from[n];
    to[n] = '\0';
}

}  // namespace

void trace_run(const wait_state& w, std::uint64_t from, std::uint64_t to) noexcept {
    record(record_of(w).id, from, event_type::run, [&](event& e) {
        e.span = {to, nullptr, nullptr, 0};
    });
}

void trace_wait(const wait_state& w, const wait_kind* kind, const void* object, std::int64_t value,
                std::uint64_t from, std::uint64_t to) noexcept {
    record(record_of(w).id, from, event_type::wait, [&](event& e) {
        e.span = {to, kind, object, value};
    });
}

void trace_task_begin(const task_record& r) noexcept {
    if (r.parent == 0) return;
    // At the start of its first state (ready), which the arrow's head must fall in.
    const std::uint64_t at = r.wait.read().since;
    record(r.parent, at != 0 ? at : r.started_at, event_type::spawn,
           [&](event& e) { e.child = r.id; });
}

void trace_task_end(task_record& r) noexcept {
    r.wait.finish();
    record(r.id, task_clock_now(), event_type::end, [&](event& e) {
        e.who.parent = r.parent;
        e.who.function = r.coroutine.function;
        e.who.file = r.coroutine.file;
        e.who.line = r.coroutine.line;
        e.who.spawned_file = r.site.file;
        e.who.spawned_line = r.site.line;
        copy_text(e.who.runtime, r.ctx.runtime ? r.ctx.runtime.vtable->name : "sync_wait");
        copy_text(e.who.name, r.name);
    });
}

}  // namespace detail

namespace debug {

namespace {

using detail::event;
using detail::event_type;

std::size_t ring_size(std::size_t capacity) {
    std::size_t size = 64;
    while (size < capacity && size <= std::numeric_limits<std::size_t>::max() / 2) size *= 2;
    return size;
}

// The JSON key of a wait's number, or null when it has none to show.
const char* meaning_of(detail::wait_value value) noexcept {
    switch (value) {
        case detail::wait_value::deadline:
            return "deadline_ns";  // on the runtime's clock
        case detail::wait_value::task:
            return "task";
        case detail::wait_value::owner:
            return "held_by";
        case detail::wait_value::pid:
            return "pid";
        case detail::wait_value::signal:
            return "signal";
        case detail::wait_value::senders:
            return "senders";
        case detail::wait_value::items:
            return "items";
        case detail::wait_value::count:
        case detail::wait_value::none:
            break;
    }
    return nullptr;
}

// Who a track is: from the end of the task, or from a snapshot while it lives.
struct track {
    std::string runtime;
    std::string label;
};

std::string label_of(std::uint64_t id, const std::string& name, const char* function) {
    std::string label = "task " + std::to_string(id);
    if (!name.empty()) return label + " \"" + name + '"';
    if (function != nullptr && *function != '\0') return label + ' ' + function;
    return label;
}

// Writes the events as one JSON document. Times are microseconds since the trace
// began; a state that began before is cut there.
class writer {
public:
    writer(std::ostream& out, std::uint64_t began)
        : out_(out), began_(began), ns_per_tick_(tick_clock::nanoseconds_per_tick()) {}

    void write(const std::vector<event>& events, std::map<std::uint64_t, track> tracks) {
        for (const event& e : events) {
            if (e.type == event_type::end) {
                tracks[e.task] = {e.who.runtime, label_of(e.task, e.who.name, e.who.function)};
            }
        }
        // A task that started after the snapshot and has not ended: on its spawner's
        // runtime, where spawn puts it.
        for (const event& e : events) {
            if (e.type != event_type::spawn || tracks.count(e.child) != 0) continue;
            const auto parent = tracks.find(e.task);
            tracks[e.child] = {parent != tracks.end() ? parent->second.runtime : "unknown",
                               label_of(e.child, {}, nullptr)};
        }
        // Any other task (one without a spawner, or whose spawn the ring dropped, that
        // started after the snapshot): a track of its own all the same.
        for (const event& e : events) {
            if (tracks.count(e.task) == 0)
                tracks[e.task] = {"unknown", label_of(e.task, {}, nullptr)};
        }
        out_ << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
        for (const auto& [id, t] : tracks) name_track(id, t);
        for (const event& e : events) write_event(e, tracks);
        out_ << "\n]}\n";
        out_.flush();
    }

private:
    int process_of(const std::string& runtime) {
        const auto [at, added] =
            processes_.try_emplace(runtime, static_cast<int>(processes_.size()) + 1);
        if (added) {
            begin_event();
            out_ << "\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" << at->second
                 << ",\"args\":{\"name\":";
            text::write_json_string(out_, "runtime " + runtime);
            out_ << "}}";
        }
        return at->second;
    }

    void name_track(std::uint64_t id, const track& t) {
        const int pid = process_of(t.runtime);
        begin_event();
        out_ << "\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":" << pid << ",\"tid\":" << id
             << ",\"args\":{\"name\":";
        text::write_json_string(out_, t.label);
        out_ << "}}";
        begin_event();
        out_ << "\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":" << pid << ",\"tid\":" << id
             << ",\"args\":{\"sort_index\":" << id << "}}";
    }

    int pid_of(std::uint64_t task, const std::map<std::uint64_t, track>& tracks) {
        const auto found = tracks.find(task);
        return process_of(found != tracks.end() ? found->second.runtime : "unknown");
    }

    void begin_event() {
        out_ << (first_ ? "\n{" : ",\n{");
        first_ = false;
    }

    // Microseconds with three decimals, whatever the C locale's decimal point.
    void microseconds(const char* key, std::uint64_t ticks) {
        char text[32];
        const auto [end, error] = std::to_chars(text, text + sizeof text,
                                                static_cast<double>(ticks) * ns_per_tick_ / 1000.0,
                                                std::chars_format::fixed, 3);
        out_ << '"' << key << "\":";
        if (error == std::errc{}) {
            out_.write(text, end - text);
        } else {
            out_ << '0';
        }
    }

    void time(const char* key, std::uint64_t ticks) {
        microseconds(key, ticks > began_ ? ticks - began_ : 0);
    }

    void write_event(const event& e, const std::map<std::uint64_t, track>& tracks) {
        const int pid = pid_of(e.task, tracks);
        switch (e.type) {
            case event_type::run:
            case event_type::wait:
                write_span(e, pid);
                return;
            case event_type::spawn:
                // An arrow from the spawner's run to the spawned task's first state.
                begin_event();
                out_ << "\"ph\":\"s\",\"name\":\"spawn\",\"cat\":\"spawn\",\"id\":" << e.child
                     << ",\"pid\":" << pid << ",\"tid\":" << e.task << ",\"bp\":\"e\",";
                time("ts", e.at);
                out_ << '}';
                begin_event();
                out_ << "\"ph\":\"f\",\"name\":\"spawn\",\"cat\":\"spawn\",\"id\":" << e.child
                     << ",\"pid\":" << pid_of(e.child, tracks) << ",\"tid\":" << e.child
                     << ",\"bp\":\"e\",";
                time("ts", e.at);
                out_ << '}';
                return;
            case event_type::end:
                begin_event();
                out_ << "\"ph\":\"i\",\"s\":\"t\",\"name\":\"end\",\"cat\":\"task\",\"pid\":" << pid
                     << ",\"tid\":" << e.task << ',';
                time("ts", e.at);
                out_ << ",\"args\":{\"parent\":" << e.who.parent;
                if (e.who.file != nullptr) {
                    out_ << ",\"coroutine\":";
                    text::write_json_string(
                        out_, std::string(e.who.file) + ':' + std::to_string(e.who.line));
                }
                if (e.who.spawned_file != nullptr) {
                    out_ << ",\"spawned_at\":";
                    text::write_json_string(out_, std::string(e.who.spawned_file) + ':' +
                                                      std::to_string(e.who.spawned_line));
                }
                out_ << "}}";
                return;
        }
    }

    void write_span(const event& e, int pid) {
        const detail::wait_kind* kind = e.type == event_type::wait ? e.span.kind : nullptr;
        begin_event();
        out_ << "\"ph\":\"X\",\"name\":";
        text::write_json_string(out_, kind != nullptr ? kind->text : "run");
        out_ << ",\"cat\":\""
             << (kind == nullptr ? "run"
                 : kind->ready   ? "ready"
                                 : "wait")
             << "\",\"pid\":" << pid << ",\"tid\":" << e.task << ',';
        const std::uint64_t from = std::max(e.at, began_);
        time("ts", from);
        out_ << ',';
        microseconds("dur", e.span.to > from ? e.span.to - from : 0);
        out_ << ",\"args\":{";
        bool any = false;
        auto key = [&](const char* name) {
            out_ << (any ? ",\"" : "\"") << name << "\":";
            any = true;
        };
        if (kind == nullptr) {
            key("thread");
            out_ << e.thread;
        } else {
            write_wait_args(*kind, e.span.object, e.span.value, key);
        }
        if (e.at < began_) {
            key("cut");
            out_ << "true";
        }
        out_ << "}}";
    }

    template <typename Key>
    void write_wait_args(const detail::wait_kind& kind, const void* object, std::int64_t value,
                         Key& key) {
        if (object != nullptr) {
            key("object");
            text::write_json_string(out_, text::address(object));
        }
        const char* meaning = meaning_of(kind.value);
        if (meaning != nullptr) {
            key(meaning);
            out_ << value;
        }
    }

    std::ostream& out_;
    std::uint64_t began_;
    double ns_per_tick_;
    bool first_ = true;
    std::map<std::string, int> processes_;
};

// The live tasks' tracks, from a snapshot.
std::map<std::uint64_t, track> live_tracks() {
    std::map<std::uint64_t, track> tracks;
    for (const runtime_info& rt : snapshot()) {
        auto note = [&](const task_info& t) {
            tracks[t.id] = {rt.name, label_of(t.id, t.name, t.function.c_str())};
        };
        walk::each_task(rt.tasks, note);
    }
    return tracks;
}

}  // namespace

trace::trace(std::size_t capacity) : size_(ring_size(capacity)) {
    std::vector<event> slots(size_);
    detail::trace_ring& r = detail::the_ring();
    r.lock.lock();
    const bool busy = !r.slots.empty();
    if (!busy) {
        r.slots.swap(slots);
        r.written = r.recorded = r.dropped = 0;
        r.began = detail::task_clock_now();
    }
    r.lock.unlock();
    if (busy) throw std::logic_error("interop::debug::trace: another trace is recording");
    detail::tracing.store(true, std::memory_order_relaxed);
}

trace::~trace() {
    detail::tracing.store(false, std::memory_order_relaxed);
    std::vector<event> slots;
    detail::trace_ring& r = detail::the_ring();
    r.lock.lock();
    r.slots.swap(slots);  // freed outside the lock
    r.lock.unlock();
}

void trace::flush(std::ostream& out) {
    // Who the live tasks are is read first: a task that ends meanwhile has its end in
    // the events taken below.
    const std::map<std::uint64_t, track> tracks = live_tracks();
    std::vector<event> events(size_);  // the empty ring swapped in; allocated unlocked
    detail::trace_ring& r = detail::the_ring();
    r.lock.lock();
    events.swap(r.slots);
    const std::uint64_t written = std::exchange(r.written, 0);
    const std::uint64_t began = r.began;
    r.lock.unlock();
    // Oldest first: a ring that went round begins at its next slot.
    if (written > events.size()) {
        const auto next = static_cast<std::ptrdiff_t>(written & (events.size() - 1));
        std::rotate(events.begin(), events.begin() + next, events.end());
    } else {
        events.resize(written);
    }
    // Numbers as the classic locale writes them, whatever the stream's (a locale that
    // groups digits would break the JSON); the stream's own is put back after.
    struct classic_numbers {
        std::ostream& stream;
        std::locale before = stream.imbue(std::locale::classic());
        ~classic_numbers() { stream.imbue(before); }
    } numbers{out};
    writer(out, began).write(events, tracks);
}

trace::counts trace::counted() const noexcept {
    detail::trace_ring& r = detail::the_ring();
    r.lock.lock();
    const counts c{r.recorded, r.dropped};
    r.lock.unlock();
    return c;
}

}  // namespace debug

}  // namespace interop
