// interop::debug::serve_console (interop/debug.hpp): the program's side of
// interop-console, a Unix socket that answers one request per connection with a view
// of the tasks, the dump as JSON, or the metrics.
#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <locale>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "debug_text.hpp"
#include "interop/debug.hpp"
#include "interop/net/unix_listener.hpp"
#include "interop/net/unix_stream.hpp"
#include "interop/serve.hpp"
#include "interop/timeout.hpp"

namespace interop::debug {

namespace {

// A request is one short line; a client that sends none, or does not take the answer,
// within this time is dropped. A few clients at once are enough for a console.
constexpr std::size_t request_limit = 64;
constexpr std::chrono::seconds client_time{5};
constexpr std::size_t clients_at_once = 8;

void write_summary(std::ostream& out, const runtime_metrics& m) {
    out << "runtime " << m.name << ": " << m.tasks << " tasks (" << m.running << " running, "
        << m.ready << " ready, " << m.waiting << " waiting), " << m.pending_timers
        << " pending timers, " << m.open_sockets << " open sockets, " << m.tasks_started
        << " started, " << m.tasks_finished << " finished\n";
    if (!m.waits.empty()) {
        out << "  waiting on:";
        const char* separator = " ";
        for (const auto& [kind, n] : m.waits) {
            out << separator << kind << ' ' << n;
            separator = ", ";
        }
        out << '\n';
    }
}

// One task per line, what it does first: a terminal cuts long lines, and coroutine
// names (templates, lambdas) can be long.
void write_tree(std::ostream& out, const task_info& t, int depth) {
    out << std::string(static_cast<std::size_t>(depth) * 2, ' ') << "task " << t.id << ' '
        << t.kind;
    if (!t.name.empty()) out << " \"" << t.name << '"';
    out << ": " << describe(t);
    if (t.state != task_state::running || t.waited.count() != 0) {
        out << " for " << text::seconds(t.waited);
    }
    out << ", age " << text::seconds(t.age);
    if (t.resumptions != 0) out << ", busy " << text::seconds(t.busy);
    if (!t.function.empty()) out << " | " << t.function;
    if (!t.file.empty()) out << " (" << t.file << ':' << t.line << ')';
    out << '\n';
    for (const task_info& child : t.children) write_tree(out, child, depth + 1);
}

}  // namespace

std::string console_answer(std::string_view request) {
    std::ostringstream out;
    out.imbue(std::locale::classic());  // not the global locale: "task 1,234" is no id
    if (request == "view") {
        const std::vector<runtime_info> runtimes = snapshot();
        const std::vector<runtime_metrics> all = metrics(runtimes);
        if (runtimes.empty()) out << "no tasks\n";
        for (std::size_t i = 0; i < runtimes.size(); ++i) {
            write_summary(out, all[i]);
            for (const task_info& t : runtimes[i].tasks) write_tree(out, t, 1);
        }
        text::write_deadlocks(out, find_deadlocks(runtimes));
    } else if (request == "json") {
        dump_json(out);
    } else if (request == "metrics") {
        write_prometheus(out);
    } else {
        out << "error: unknown request \"" << request << "\" (view, json or metrics)\n";
    }
    return out.str();
}

namespace {

// One connection: a line in, the answer out, then the connection is closed.
task<void> answer_one(unix_stream conn) {
    std::array<char, request_limit> line{};
    std::size_t have = 0;
    while (have < line.size()) {
        const io_result<std::size_t> n =
            co_await timeout(client_time, conn.read(std::span(line).subspan(have)));
        if (!n || *n == 0) co_return;
        have += *n;
        if (std::string_view(line.data(), have).find('\n') != std::string_view::npos) break;
    }
    std::string_view request(line.data(), have);
    request = request.substr(0, request.find('\n'));
    if (!request.empty() && request.back() == '\r') request.remove_suffix(1);
    const std::string reply = console_answer(request);
    (void)co_await timeout(client_time,
                           conn.write_all(std::as_bytes(std::span(reply.data(), reply.size()))));
}

}  // namespace

task<io_result<void>> serve_console(std::string path) {
    io_result<unix_listener> listener = co_await unix_listener::bind(path);
    if (!listener) co_return listener.error();
    // What the tasks do is the program's own business: only its user may ask.
    if (!path.empty() && path.front() != '\0') {
        std::error_code ignored;
        std::filesystem::permissions(
            path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
            std::filesystem::perm_options::replace, ignored);
    }
    co_return co_await serve(*listener, &answer_one,
                             serve_options{.max_connections = clients_at_once});
}

}  // namespace interop::debug
