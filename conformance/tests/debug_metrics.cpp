// Metrics (interop/debug.hpp): a runtime's tasks counted by state and by what they wait
// on, as values and in the Prometheus text format.
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "debug_support.hpp"
#include "interop/conformance/suite.hpp"
#include "interop/debug.hpp"

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

}  // namespace

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
