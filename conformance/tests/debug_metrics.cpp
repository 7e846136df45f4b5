// Metrics (interop/debug.hpp): a runtime's tasks counted by state and by what they wait
// on, tasks started and finished, open sockets, as values and in the Prometheus text
// format.
#include <cstddef>
#include <cstdint>
#include <locale>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
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

namespace {

std::uint64_t waits_on(const debug::runtime_metrics& m, std::string_view kind) {
    for (const auto& w : m.waits) {
        if (w.first == kind) return w.second;
    }
    return 0;
}

// The value of the series `name{labels}` in Prometheus text; -1 when it is not there.
double series(const std::string& text, const std::string& name_and_labels) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(name_and_labels + " ", 0) == 0) {
            return std::stod(line.substr(name_and_labels.size() + 1));
        }
    }
    return -1;
}

// A locale that groups every digit: 12 is written "1,2".
struct every_digit_grouped : std::numpunct<char> {
    std::string do_grouping() const override { return "\1"; }
    char do_thousands_sep() const override { return ','; }
};

// The text after the last space of the first line that starts with `prefix`.
std::string value_of_line(const std::string& text, const std::string& prefix) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(prefix, 0) == 0) return line.substr(line.rfind(' ') + 1);
    }
    return {};
}

}  // namespace

TEST_CASE(
    "debug: JSON, Prometheus text, dumps and traces write plain numbers to a stream whose "
    "locale groups digits") {
    debug::trace recording;
    conf::run([]() -> task<void> {
        co_await with_scope([](scope& s) -> task<void> {
            for (int i = 0; i < 12; ++i) {
                s.spawn("sleeper", []() -> task<void> { (void)co_await sleep_for(10s); });
            }
            (void)co_await once_waiting("sleeper");
            const std::locale grouped(std::locale::classic(), new every_digit_grouped);
            std::ostringstream probe;
            probe.imbue(grouped);
            probe << 12;
            REQUIRE(probe.str() == "1,2");

            std::ostringstream json;
            json.imbue(grouped);
            debug::dump_json(json);
            const std::string document = json.str();
            json_reader::parser parser(document);
            CHECK(parser.parse().has_value());

            std::ostringstream prometheus;
            prometheus.imbue(grouped);
            debug::write_prometheus(prometheus);
            const std::string started =
                value_of_line(prometheus.str(), "interop_tasks_started_total{");
            REQUIRE(!started.empty());
            CHECK(started.find(',') == std::string::npos);
            CHECK(std::stoi(started) >= 13);

            std::ostringstream text;
            text.imbue(grouped);
            debug::dump(text);
            const std::uint64_t root = co_await current_task_id();
            CHECK(text.str().find("task " + std::to_string(root) + " root") != std::string::npos);
            s.cancel();
        });
    });
    const std::locale grouped(std::locale::classic(), new every_digit_grouped);
    std::ostringstream trace;
    trace.imbue(grouped);
    recording.flush(trace);
    const std::string events = trace.str();
    json_reader::parser parser(events);
    CHECK(parser.parse().has_value());
    CHECK(trace.getloc() == grouped);  // the stream's own locale is put back
}

TEST_CASE(
    "debug: metrics count a runtime's tasks by state and by what they wait on, as values "
    "and as Prometheus text") {
    conf::run([]() -> task<void> {
        const std::uint64_t root = co_await current_task_id();
        event release;
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 3; ++i) {
                s.spawn("sleeper", [&]() -> task<void> { (void)co_await sleep_for(1h); });
            }
            s.spawn("first waiter", park_on(&release));
            s.spawn("second waiter", park_on(&release));
            (void)co_await once_waiting("first waiter");
            (void)co_await once_waiting("second waiter");
            // Until the three sleepers sleep: they start in order, so the last does last.
            const debug::runtime_metrics* ours = nullptr;
            std::vector<debug::runtime_metrics> all;
            for (int i = 0; i < 5000; ++i) {
                all = debug::metrics();
                ours = nullptr;
                for (const debug::runtime_metrics& m : all) {
                    if (m.pending_timers == 3) ours = &m;
                }
                if (ours != nullptr) break;
                (void)co_await sleep_for(1ms);
            }
            REQUIRE(ours != nullptr);
            REQUIRE(find_task({}, root).has_value());
            CHECK(ours->tasks == 6);    // the root and five children
            CHECK(ours->running == 1);  // the root, taking the snapshot
            CHECK(ours->waiting == 5);
            CHECK(ours->ready == 0);
            CHECK(waits_on(*ours, "sleep") == 3);
            CHECK(waits_on(*ours, "event wait") == 2);
            REQUIRE(ours->waits.size() == 2);
            CHECK(ours->waits[0].first == "sleep");  // the most common first
            CHECK(ours->resumptions == 0);           // timing is off
            const std::string rt = ours->name;

            std::ostringstream text;
            debug::write_prometheus(text);
            const std::string exposed = text.str();
            INFO(exposed);
            CHECK(exposed.find("# TYPE interop_tasks gauge\n") != std::string::npos);
            CHECK(series(exposed, "interop_tasks{runtime=\"" + rt + "\",state=\"waiting\"}") == 5);
            CHECK(series(exposed, "interop_tasks{runtime=\"" + rt + "\",state=\"running\"}") == 1);
            CHECK(series(exposed, "interop_waits{runtime=\"" + rt + "\",kind=\"event wait\"}") ==
                  2);
            CHECK(series(exposed, "interop_pending_timers{runtime=\"" + rt + "\"}") == 3);
            CHECK(series(exposed, "interop_task_busy_seconds{runtime=\"" + rt + "\"}") == 0);
            s.cancel();
            release.set();
        });
    });
}

TEST_CASE(
    "debug: metrics count the tasks started and finished on a runtime and the sockets open "
    "on it") {
    conf::run([]() -> task<void> {
        const std::uint64_t root = co_await current_task_id();
        // This run's runtime, in a new snapshot: the one the root task is listed under.
        auto ours = [root]() -> debug::runtime_metrics {
            const std::vector<debug::runtime_info> runtimes = debug::snapshot();
            const std::vector<debug::runtime_metrics> all = debug::metrics(runtimes);
            for (std::size_t i = 0; i < runtimes.size(); ++i) {
                if (find_in(runtimes[i].tasks, {}, root) != nullptr) return all[i];
            }
            FAIL("the root task is in no runtime of the snapshot");
            return {};
        };
        const debug::runtime_metrics before = ours();
        CHECK(before.tasks_started >= 1);  // the root, at least
        CHECK(before.tasks_started == before.tasks_finished + before.tasks);

        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 5; ++i) s.spawn([]() -> task<void> { co_return; });
            co_return;
        });
        const debug::runtime_metrics after_tasks = ours();
        CHECK(after_tasks.tasks_started == before.tasks_started + 5);
        CHECK(after_tasks.tasks_finished == before.tasks_finished + 5);

        std::int64_t with_pair = 0;
        {
            conf::loopback_pair pair = co_await conf::connect_loopback();
            with_pair = ours().open_sockets;
            CHECK(with_pair == before.open_sockets + 3);  // the listener and both ends
            (void)co_await pair.client.close();
            CHECK(ours().open_sockets == before.open_sockets + 2);
            (void)co_await pair.client.close();  // a second close closes nothing more
            CHECK(ours().open_sockets == before.open_sockets + 2);

            std::ostringstream text;
            debug::write_prometheus(text);
            const std::string exposed = text.str();
            INFO(exposed);
            const std::string rt = "{runtime=\"" + after_tasks.name + "\"}";
            CHECK(exposed.find("# TYPE interop_tasks_started_total counter\n") !=
                  std::string::npos);
            CHECK(series(exposed, "interop_tasks_started_total" + rt) >=
                  static_cast<double>(after_tasks.tasks_started));
            CHECK(series(exposed, "interop_tasks_finished_total" + rt) >=
                  static_cast<double>(after_tasks.tasks_finished));
            CHECK(series(exposed, "interop_open_sockets" + rt) ==
                  static_cast<double>(before.open_sockets + 2));
        }
        CHECK(ours().open_sockets == before.open_sockets);  // closed by their destructors
    });
}
