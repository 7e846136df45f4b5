// Traces (interop/debug.hpp): a timeline of each task's runs and waits, written as
// Chrome trace-event JSON, from a ring that keeps the newest events.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "debug_support.hpp"
#include "interop/conformance/loopback.hpp"
#include "interop/conformance/suite.hpp"
#include "interop/debug.hpp"
#include "json_reader.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;
using namespace interop::debug_support;
using json_reader::value;

namespace {

// A flushed trace, read back: its events, and the name of each task's track.
struct read_trace {
    std::vector<value> events;
    std::map<std::uint64_t, std::string> track_names;
    std::map<std::uint64_t, std::string> process_names;  // by pid

    std::vector<const value*> spans(std::uint64_t tid, const std::string& name = {}) const {
        std::vector<const value*> found;
        for (const value& e : events) {
            if (e.text("ph") == "X" && tid_of(e) == tid &&
                (name.empty() || e.text("name") == name)) {
                found.push_back(&e);
            }
        }
        return found;
    }
    const value* flow(const std::string& phase, std::uint64_t id) const {
        for (const value& e : events) {
            if (e.text("ph") == phase && static_cast<std::uint64_t>(e.number_at("id")) == id)
                return &e;
        }
        return nullptr;
    }
    static std::uint64_t tid_of(const value& e) {
        return static_cast<std::uint64_t>(e.number_at("tid", 0));
    }
};

read_trace flush(debug::trace& recording) {
    std::ostringstream out;
    recording.flush(out);
    const std::string text = out.str();
    json_reader::parser parser(text);
    const std::optional<value> document = parser.parse();
    INFO("the trace: " << text.substr(0, 2000));
    REQUIRE_MESSAGE(document.has_value(), parser.error());
    REQUIRE(document->kind == value::type::object);
    const value* events = document->get("traceEvents");
    REQUIRE(events != nullptr);
    REQUIRE(events->kind == value::type::array);
    read_trace t;
    t.events = events->array;
    for (const value& e : t.events) {
        if (e.text("ph") != "M") continue;
        const value* args = e.get("args");
        REQUIRE(args != nullptr);
        if (e.text("name") == "thread_name")
            t.track_names[read_trace::tid_of(e)] = args->text("name");
        if (e.text("name") == "process_name") {
            t.process_names[static_cast<std::uint64_t>(e.number_at("pid"))] = args->text("name");
        }
    }
    return t;
}

// On each track, the spans follow one another without overlapping (a task is running,
// ready or waiting, one at a time); the times are rounded to a nanosecond.
void check_tracks_are_sequential(const read_trace& t) {
    std::map<std::uint64_t, std::vector<std::pair<double, double>>> by_track;
    for (const value& e : t.events) {
        if (e.text("ph") != "X") continue;
        const double ts = e.number_at("ts");
        const double dur = e.number_at("dur");
        CHECK(ts >= 0);
        CHECK(dur >= 0);
        by_track[read_trace::tid_of(e)].emplace_back(ts, ts + dur);
    }
    for (auto& track : by_track) {
        const std::uint64_t tid = track.first;
        std::vector<std::pair<double, double>>& spans = track.second;
        std::sort(spans.begin(), spans.end());
        for (std::size_t i = 1; i < spans.size(); ++i) {
            CHECK_MESSAGE(spans[i].first >= spans[i - 1].second - 0.002,
                          "task " << tid << ": a span begins at " << spans[i].first
                                  << " before the one before ends at " << spans[i - 1].second);
        }
    }
}

}  // namespace

TEST_CASE(
    "debug: a trace shows each task's runs and waits on its own track, and an arrow from "
    "spawner to spawned") {
    debug::trace recording;
    conf::run([&]() -> task<void> {
        const std::uint64_t root = co_await current_task_id();
        conf::loopback_pair pair = co_await conf::connect_loopback();
        join_handle<void> sleeper =
            co_await spawn("sleeper", []() -> task<void> { (void)co_await sleep_for(5ms); });
        join_handle<void> reader = co_await spawn("reader", [&]() -> task<void> {
            char byte = 0;
            const io_result<std::size_t> n = co_await pair.client.read(std::span(&byte, 1));
            CHECK(n.value_or(0) == 1);
        });
        (void)co_await once_waiting("reader");
        const char byte = 'x';
        const io_result<std::size_t> written = co_await pair.server.write(std::span(&byte, 1));
        CHECK(written.value_or(0) == 1);
        (void)co_await sleeper;
        (void)co_await reader;

        read_trace t = flush(recording);
        check_tracks_are_sequential(t);
        // Every event is on a named track of a named process.
        for (const value& e : t.events) {
            CHECK(t.process_names.count(static_cast<std::uint64_t>(e.number_at("pid"))) == 1);
            if (e.text("ph") != "M") CHECK(t.track_names.count(read_trace::tid_of(e)) == 1);
        }
        // Each task's track is named after it; the root's from a snapshot (it runs), the
        // others' from their end.
        CHECK(t.track_names[sleeper.id()] ==
              "task " + std::to_string(sleeper.id()) + " \"sleeper\"");
        CHECK(t.track_names[reader.id()] == "task " + std::to_string(reader.id()) + " \"reader\"");
        CHECK(t.track_names.count(root) == 1);

        // The sleeper: ready, a run, the sleep, a run; its runtime is a process.
        const std::vector<const value*> sleeps = t.spans(sleeper.id(), "sleep");
        REQUIRE(sleeps.size() == 1);
        CHECK(sleeps[0]->text("cat") == "wait");
        REQUIRE(sleeps[0]->get("args") != nullptr);
        CHECK(sleeps[0]->get("args")->get("deadline_ns") != nullptr);
        const std::vector<const value*> runs = t.spans(sleeper.id(), "run");
        CHECK(runs.size() >= 2);
        for (const value* run : runs) {
            REQUIRE(run->get("args") != nullptr);
            CHECK(run->get("args")->number_at("thread") >= 1);
        }
        CHECK(t.spans(sleeper.id(), "ready").size() >= 1);
        const auto pid = static_cast<std::uint64_t>(sleeps[0]->number_at("pid"));
        CHECK(t.process_names[pid].rfind("runtime ", 0) == 0);

        // The reader waited on its read, on the stream's socket.
        const std::vector<const value*> reads = t.spans(reader.id(), "read");
        REQUIRE(reads.size() == 1);
        CHECK(reads[0]->get("args")->text("object").rfind("0x", 0) == 0);

        // An arrow from the root's run to each spawned task's first state.
        for (const std::uint64_t child : {sleeper.id(), reader.id()}) {
            const value* from = t.flow("s", child);
            const value* to = t.flow("f", child);
            REQUIRE(from != nullptr);
            REQUIRE(to != nullptr);
            CHECK(read_trace::tid_of(*from) == root);
            CHECK(read_trace::tid_of(*to) == child);
            CHECK(from->number_at("ts") <= to->number_at("ts"));
        }
        // The root's run that spawned them is on its track.
        CHECK(!t.spans(root, "run").empty());
    });
}

TEST_CASE(
    "debug: a trace's ring keeps the newest events, counts the dropped ones, and a flush "
    "starts it afresh") {
    std::optional<debug::trace> first;
    first.emplace(64);
    debug::trace& recording = *first;
    CHECK_THROWS_AS(debug::trace(), std::logic_error);  // one trace records at a time
    conf::run([&]() -> task<void> {
        join_handle<void> yielder = co_await spawn("yielder", []() -> task<void> {
            for (int i = 0; i < 200; ++i) (void)co_await yield_now();
        });
        (void)co_await yielder;
        const debug::trace::counts counted = recording.counted();
        CHECK(counted.recorded >= 400);  // a run and a ready state per yield
        CHECK(counted.dropped == counted.recorded - 64);

        read_trace t = flush(recording);
        std::size_t kept = 0;
        for (const value& e : t.events) kept += e.text("ph") != "M" ? 1U : 0U;
        CHECK(kept == 64);
        // The newest: the yielder's end is there, and its runs are the last ones.
        bool ended = false;
        for (const value& e : t.events) {
            if (e.text("ph") == "i" && read_trace::tid_of(e) == yielder.id()) ended = true;
        }
        CHECK(ended);
        CHECK(t.track_names[yielder.id()] ==
              "task " + std::to_string(yielder.id()) + " \"yielder\"");
        check_tracks_are_sequential(t);

        // What follows the flush only.
        (void)co_await yield_now();
        const read_trace after = flush(recording);
        CHECK(after.spans(yielder.id()).empty());
        std::size_t newer = 0;
        for (const value& e : after.events) newer += e.text("ph") != "M" ? 1U : 0U;
        CHECK(newer >= 1);  // the root's run and ready state around the yield
        CHECK(newer < 64);
    });
    // Recording stops with the trace: another may begin.
    first.reset();
    {
        debug::trace next;
        CHECK(next.counted().recorded == 0);
    }
}

TEST_CASE("debug: a trace flushed from another thread while tasks run is whole JSON each time") {
    debug::trace recording(1024);
    std::atomic<bool> done{false};
    std::atomic<int> flushes{0};
    std::thread flusher([&] {
        while (!done.load()) {
            std::ostringstream out;
            recording.flush(out);
            const std::string text = out.str();
            json_reader::parser parser(text);
            if (!parser.parse().has_value()) {
                done.store(true);
                flushes.store(-1000000);
                return;
            }
            flushes.fetch_add(1);
            std::this_thread::sleep_for(1ms);
        }
    });
    conf::run([&]() -> task<void> {
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 8; ++i) {
                s.spawn("worker", []() -> task<void> {
                    for (int k = 0; k < 200; ++k) {
                        (void)co_await yield_now();
                        if (k % 50 == 0) (void)co_await sleep_for(1ms);
                    }
                });
            }
            co_return;
        });
        // Until the flusher has flushed a few times while the workers ran or since.
        for (int i = 0; i < 5000 && flushes.load() < 3 && flushes.load() >= 0; ++i) {
            (void)co_await sleep_for(1ms);
        }
    });
    done.store(true);
    flusher.join();
    CHECK(flushes.load() >= 3);
}
