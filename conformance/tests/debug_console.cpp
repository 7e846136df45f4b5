// The console endpoint (interop/debug.hpp: serve_console): a Unix socket that answers
// one request per connection with a view of the tasks, the dump as JSON, or metrics.
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <unistd.h>

#include "debug_support.hpp"
#include "interop/conformance/suite.hpp"
#include "interop/debug.hpp"
#include "json_reader.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;
using namespace interop::debug_support;

namespace {

std::string fresh_socket_path() {
    static std::atomic<int> counter{0};
    const auto name = "interop-console-" + std::to_string(::getpid()) + "-" +
                      std::to_string(counter.fetch_add(1)) + ".sock";
    const std::filesystem::path path = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove(path);
    return path.string();
}

// One request on a new connection: the whole answer, read to the end of stream.
// `path` outlives the task; no std::string is made in the co_await (docs/compilers.md).
task<std::string> ask(const std::string& path, const char* request) {
    auto conn = co_await unix_stream::connect(path);
    REQUIRE(conn.has_value());
    const std::string line = std::string(request) + "\n";
    const io_result<std::size_t> sent = co_await conn->write_all(std::as_bytes(std::span(line)));
    REQUIRE(sent.has_value());
    std::string answer;
    char buffer[1024];
    for (;;) {
        const io_result<std::size_t> n = co_await conn->read(std::span(buffer));
        REQUIRE(n.has_value());
        if (*n == 0) break;
        answer.append(buffer, *n);
    }
    co_return answer;
}

}  // namespace

TEST_CASE(
    "debug: serve_console answers a view, JSON and metrics on a Unix socket, one request per "
    "connection, and removes its socket when cancelled") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    const std::string path = fresh_socket_path();
    conf::run([&]() -> task<void> {
        event release;
        task<io_result<void>> serving = debug::serve_console(path);
        join_handle<io_result<void>> console = co_await spawn("console", std::move(serving));
        join_handle<void> parked = co_await spawn("parked", park_on(&release));
        (void)co_await once_waiting("console");  // on its accept: the socket is there
        CHECK(std::filesystem::exists(path));
        using std::filesystem::perms;
        const perms others = perms::group_all | perms::others_all;
        CHECK((std::filesystem::status(path).permissions() & others) == perms::none);

        const std::string view = co_await ask(path, "view");
        CHECK(starts_with(view, "runtime "));
        CHECK(view.find(" tasks (") != std::string::npos);
        CHECK(view.find("open sockets") != std::string::npos);
        CHECK(view.find("task " + std::to_string(parked.id()) +
                        " spawned \"parked\": waiting on event wait") != std::string::npos);
        // On a runtime with several threads the accept loop may not wait yet while the
        // answer is made: its state is not checked.
        CHECK(view.find("spawned \"console\": ") != std::string::npos);

        const std::string json = co_await ask(path, "json");
        json_reader::parser parser(json);
        const std::optional<json_reader::value> document = parser.parse();
        REQUIRE_MESSAGE(document.has_value(), parser.error());
        CHECK(document->get("runtimes") != nullptr);

        const std::string metrics = co_await ask(path, "metrics");
        CHECK(metrics.find("# TYPE interop_tasks gauge") != std::string::npos);
        CHECK(metrics.find("interop_open_sockets{runtime=") != std::string::npos);

        const std::string unknown = co_await ask(path, "anything else");
        CHECK(starts_with(unknown, "error: unknown request \"anything else\""));

        console.cancel();
        const io_result<void> ended = co_await console;
        CHECK(ended.is(std::errc::operation_canceled));
        CHECK(!std::filesystem::exists(path));
        release.set();
        (void)co_await parked;
    });
}

TEST_CASE("debug: serve_console on a path that cannot be bound ends with the error") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    conf::run([]() -> task<void> {
        task<io_result<void>> serving =
            debug::serve_console("/nonexistent-directory-for-interop/console.sock");
        const io_result<void> ended = co_await std::move(serving);
        CHECK(ended.is(std::errc::no_such_file_or_directory));
    });
}
