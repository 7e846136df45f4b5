// interop-redis-client: runs Redis commands and prints the replies the way redis-cli
// prints them when its output is not a terminal, on the client library of this
// directory.
//
//   interop-redis-client -p 6379 SET greeting hello
//   interop-redis-client -p 6379 GET greeting
//   printf 'INCR n\nINCR n\n' | interop-redis-client -p 6379      # one pipeline
//   interop-redis-client -p 6379 --subscribe news --count 3
//
// Without a command, each line of stdin is a command (words split at spaces), all sent
// in one pipeline. An error reply is printed, as redis-cli does, and is not a failure;
// exit status 1 means the server could not be reached or the connection failed.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "interop/interop.hpp"
#include "redis/client.hpp"

namespace {

struct options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    long timeout_ms = 30000;
    std::size_t connect_attempts = 4;
    std::vector<std::string> subscribe;
    long count = -1;
    std::vector<std::string> words;
};

// redis-cli's raw format: a text as is, an integer in decimal, nil as nothing, an
// error followed by a newline, an array as its elements one per line.
std::string raw(const redis::value& v) {
    if (v.is_error()) return std::string(v.text()) + "\n";
    if (auto i = v.integer()) return std::to_string(*i);
    if (v.is_array()) {
        std::string out;
        bool first = true;
        for (const redis::value& e : v.elements()) {
            if (!first) out += '\n';
            first = false;
            out += raw(e);
        }
        return out;
    }
    return std::string(v.text());
}

// The client's middleware from the command line: the timeout layer's limit and the
// retry layer's attempts at connecting.
redis::client_options client_options(const options& opt) {
    redis::client_options o;
    o.host = opt.host;
    o.port = opt.port;
    o.command_timeout = std::chrono::milliseconds(opt.timeout_ms);
    o.connect_retry.max_attempts = opt.connect_attempts;
    return o;
}

redis::command command_of(const std::vector<std::string>& words) {
    redis::command cmd(words[0]);
    for (std::size_t i = 1; i < words.size(); ++i) cmd.arg(words[i]);
    return cmd;
}

void print(const redis::value& v) {
    const std::string text = raw(v) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

int fail(const char* what, const std::error_code& ec) {
    std::fprintf(stderr, "interop-redis-client: %s: %s\n", what, ec.message().c_str());
    return 1;
}

interop::task<int> run_commands(options opt) {
    redis::client client(client_options(opt));
    if (!opt.words.empty()) {
        auto calling = client.call(command_of(opt.words));
        auto reply = co_await std::move(calling);
        if (!reply) co_return fail("the command failed", reply.error());
        print(*reply);
        co_return 0;
    }
    std::vector<redis::command> batch;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream split(line);
        std::vector<std::string> words;
        for (std::string word; split >> word;) words.push_back(std::move(word));
        if (!words.empty()) batch.push_back(command_of(words));
    }
    if (batch.empty()) co_return 0;
    auto sending = client.pipeline(std::move(batch));
    auto replies = co_await std::move(sending);
    if (!replies) co_return fail("the pipeline failed", replies.error());
    for (const redis::value& v : *replies) print(v);
    co_return 0;
}

// Prints what redis-cli prints for a subscription: each confirmation and message as
// its array, until `count` messages arrived (or for ever).
interop::task<int> run_subscribe(options opt) {
    redis::client client(client_options(opt));
    auto subscribing = client.subscribe(opt.subscribe);
    auto sub = co_await std::move(subscribing);
    if (!sub) co_return fail("cannot subscribe", sub.error());
    for (std::size_t i = 0; i < opt.subscribe.size(); ++i) {
        print(redis::value(redis::value::array{redis::value(std::string("subscribe")),
                                               redis::value(opt.subscribe[i]),
                                               redis::value(static_cast<std::int64_t>(i + 1))}));
    }
    for (long n = 0; opt.count < 0 || n < opt.count; ++n) {
        auto next = sub->next();
        auto m = co_await std::move(next);
        if (!m) break;
        print(
            redis::value(redis::value::array{redis::value(std::string("message")),
                                             redis::value(m->channel), redis::value(m->payload)}));
    }
    if (sub->error()) co_return fail("the subscription ended", sub->error());
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Runs Redis commands (a small redis-cli), on interop."};
    app.set_help_flag("--help", "print this help and exit");
    options opt;
    app.add_option("-h,--host", opt.host, "the server's host (default 127.0.0.1)");
    app.add_option("-p,--port", opt.port, "the server's port (default 6379)");
    app.add_option("--timeout", opt.timeout_ms, "a limit for each command, in ms (default 30000)")
        ->check(CLI::PositiveNumber);
    app.add_option("--connect-attempts", opt.connect_attempts,
                   "attempts to connect, with back-off, while refused (default 4)")
        ->check(CLI::PositiveNumber);
    app.add_option("--subscribe", opt.subscribe, "subscribe to a channel (repeatable)");
    app.add_option("--count", opt.count, "with --subscribe: stop after this many messages");
    // The command and its arguments: everything from the first word that is not an
    // option on, so that an argument may look like one ("SET n -1").
    app.prefix_command();
    app.footer("Usage: interop-redis-client [options] COMMAND [ARG...]");
    CLI11_PARSE(app, argc, argv);
    for (std::string& extra : app.remaining()) opt.words.push_back(std::move(extra));
    if (!opt.subscribe.empty()) {
        if (!opt.words.empty()) {
            std::fprintf(stderr, "interop-redis-client: --subscribe takes no command\n");
            return 2;
        }
        return interop::run(run_subscribe(std::move(opt)));
    }
    return interop::run(run_commands(std::move(opt)));
}
