// interop-parallel: runs a command once for every line of stdin, a few at a time.
//
//   ls *.log | interop-parallel -j 4 gzip -k {}
//   seq 10 | interop-parallel sh -c 'sleep 1; echo done {}'
//
// "{}" in an argument is replaced by the line; without one the line is the last
// argument. Each run's output is written in one piece when it ends. Exit status: 0 when
// every run exited with 0, 123 when one did not (as xargs), 128 + n after signal n
// (SIGINT, SIGTERM), which stops every run and leaves no child behind.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "parallel.hpp"

namespace {

interop::task<int> next_of(interop::signal_listener* listener, int signal_number) {
    (void)co_await listener->recv();
    co_return signal_number;
}

interop::task<int> run_all(parallel::options opts) {
    // Listening first: a signal from here on stops the runs, however early it arrives.
    auto interrupt = co_await interop::signal_listener::listen(SIGINT);
    auto terminate = co_await interop::signal_listener::listen(SIGTERM);
    if (!interrupt || !terminate) {
        std::fprintf(stderr, "parallel: cannot listen for SIGINT and SIGTERM\n");
        co_return 1;
    }
    auto in = co_await interop::open_stdin();
    auto out = co_await interop::open_stdout();
    auto err = co_await interop::open_stderr();
    if (!in || !out || !err) {
        std::fprintf(stderr, "parallel: cannot open the standard streams\n");
        co_return 1;
    }
    auto ended = co_await interop::when_any(
        parallel::run_lines(*in, *out, *err, opts),
        interop::race(next_of(&*interrupt, SIGINT), next_of(&*terminate, SIGTERM)));
    if (ended.index() == 1) {
        const int signal_number = std::get<1>(ended);
        // Through the stream: stderr's descriptor may be non-blocking while it is open.
        const std::string said = "parallel: stopped by signal " + std::to_string(signal_number) +
                                 "; every run was stopped\n";
        (void)co_await interop::write_all(*err, parallel::detail::bytes_of(said));
        co_return 128 + signal_number;
    }
    const parallel::summary& done = std::get<0>(ended);
    co_return done.failed == 0 ? 0 : 123;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "Runs a command for every line of stdin, a few at a time (xargs -P), "
        "written against interop only; the runtime is chosen at build time."};
    parallel::options opts;
    opts.jobs = std::max(1u, std::thread::hardware_concurrency());
    app.add_option("-j,--jobs", opts.jobs, "runs at a time")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    // Everything from the command on is the command's, options included.
    app.prefix_command();
    CLI11_PARSE(app, argc, argv);
    opts.command = app.remaining();
    if (opts.command.empty()) {
        std::fprintf(stderr, "parallel: no command given\n%s", app.help().c_str());
        return 2;
    }
    return interop::run(run_all(std::move(opts)));
}
