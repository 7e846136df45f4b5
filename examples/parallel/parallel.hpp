// A runtime-independent `xargs -P`: runs a command once for every line of its input,
// at most `jobs` at a time, and writes what each run printed in one piece when the run
// ends, so the outputs of concurrent runs never interleave.
//
//     parallel::options opts{.command = {"gzip", "-k", "{}"}, .jobs = 4};
//     parallel::summary done = co_await parallel::run_lines(in, out, err, opts);
//
// Every argument of the command that contains "{}" has it replaced by the line; a
// command without "{}" gets the line as its last argument. An empty line runs nothing.
// The children get the null device as stdin. Cancelling run_lines cancels every run,
// and a cancelled run's child is killed (a child is killed when it is dropped) and
// reaped by the runtime: nothing is left running.
#pragma once

#include <atomic>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "interop/interop.hpp"

namespace parallel {

struct options {
    std::vector<std::string> command;
    std::size_t jobs = 1;
};

struct summary {
    std::size_t runs = 0;    ///< lines that started a run
    std::size_t failed = 0;  ///< runs that could not start, or ended other than with code 0
};

/// The arguments (program first) of the run for `line`.
inline std::vector<std::string> arguments_for(const std::vector<std::string>& command,
                                              std::string_view line) {
    std::vector<std::string> arguments;
    bool placed = false;
    for (const std::string& argument : command) {
        std::string filled;
        std::size_t from = 0;
        for (std::size_t at = argument.find("{}"); at != std::string::npos;
             at = argument.find("{}", from)) {
            filled.append(argument, from, at - from).append(line);
            from = at + 2;
            placed = true;
        }
        filled.append(argument, from);
        arguments.push_back(std::move(filled));
    }
    if (!placed) arguments.emplace_back(line);
    return arguments;
}

namespace detail {

inline std::span<const std::byte> bytes_of(std::string_view text) {
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

// Writes what one run printed, holding the lock so that the runs' outputs stay whole.
template <interop::AsyncWrite Out, interop::AsyncWrite Err>
interop::task<void> report(interop::async_mutex& lock, Out& out, Err& err, std::string_view printed,
                           std::string_view complained) {
    auto held = co_await lock.lock();
    if (!held) co_return;  // cancelled while waiting: nothing is written
    // A failed write (stdout closed early, say) loses only this report; the runs go on
    // and count as they end, as xargs does.
    (void)co_await interop::write_all(out, bytes_of(printed));
    (void)co_await interop::write_all(err, bytes_of(complained));
}

inline std::string describe(const interop::exit_status& how) {
    if (auto signal_number = how.signal()) {
        return "was killed by signal " + std::to_string(*signal_number);
    }
    return "exited with code " + std::to_string(how.code().value_or(-1));
}

}  // namespace detail

/// Runs opts.command for every line of `input` and writes the runs' output to `out`
/// and `err`; returns once the input has ended and every run has finished.
template <interop::AsyncRead In, interop::AsyncWrite Out, interop::AsyncWrite Err>
interop::task<summary> run_lines(In& input, Out& out, Err& err, const options& opts) {
    // The runs may end on several threads at once (a multi-threaded runtime).
    std::atomic<std::size_t> runs{0};
    std::atomic<std::size_t> failed{0};
    interop::async_mutex lock;
    interop::framed lines(input, interop::line_codec{});
    auto run_one = [&](const interop::io_result<std::string>& line) -> interop::task<void> {
        if (!line) {
            std::string why = "parallel: cannot read the input: " + line.error().message() + "\n";
            co_await detail::report(lock, out, err, {}, why);
            failed.fetch_add(1, std::memory_order_relaxed);
            co_return;
        }
        if (line->empty()) co_return;
        runs.fetch_add(1, std::memory_order_relaxed);
        const std::vector<std::string> arguments = arguments_for(opts.command, *line);
        interop::command cmd(arguments.front());
        for (std::size_t i = 1; i < arguments.size(); ++i) cmd.arg(arguments[i]);
        cmd.set_stdin(interop::stdio::null);
        interop::io_result<interop::process_output> ran = co_await cmd.output();
        if (!ran) {
            if (ran.is(std::errc::operation_canceled)) co_return;
            failed.fetch_add(1, std::memory_order_relaxed);
            std::string why =
                "parallel: cannot run " + arguments.front() + ": " + ran.error().message() + "\n";
            co_await detail::report(lock, out, err, {}, why);
            co_return;
        }
        std::string complained = std::move(ran->err);
        if (!ran->status.success()) {
            failed.fetch_add(1, std::memory_order_relaxed);
            complained += "parallel: '" + *line + "': " + arguments.front() + " " +
                          detail::describe(ran->status) + "\n";
        }
        co_await detail::report(lock, out, err, ran->out, complained);
    };
    co_await interop::iter::for_each_concurrent(std::move(lines), opts.jobs, run_one);
    co_return summary{.runs = runs.load(), .failed = failed.load()};
}

}  // namespace parallel
