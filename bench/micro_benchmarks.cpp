// interop-bench-micro: the cost of the core's building blocks, per operation.
//
//   interop-bench-micro [--runtime inline|asio|libuv]... [--repeat 5] [--format text|markdown]
//   [--scale 1]
//
// Each benchmark runs a fixed number of operations inside one task on a fresh
// runtime, five times; the table shows the median nanoseconds per operation, the
// coroutine-frame heap allocations per operation (0 means the frame cache served
// every frame) and every operator new per operation, counted by a global counter
// (the run's own start-up included, which rounds away).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <interop/channels.hpp>
#include <interop/conformance/heap.hpp>
#include <interop/inline_runtime.hpp>
#include <interop/interop.hpp>
#ifdef INTEROP_BENCH_HAVE_ASIO
#include <interop/asio_runtime.hpp>
#endif
#ifdef INTEROP_BENCH_HAVE_LIBUV
#include <interop/libuv_runtime.hpp>
#endif

namespace {

using namespace interop;

struct runtime_box {
    virtual ~runtime_box() = default;
    virtual runtime_ref ref() = 0;
};
template <typename R>
struct boxed : runtime_box {
    R runtime;
    runtime_ref ref() override { return runtime.ref(); }
};

std::unique_ptr<runtime_box> make(const std::string& name) {
    if (name == "inline") return std::make_unique<boxed<inline_runtime>>();
#ifdef INTEROP_BENCH_HAVE_ASIO
    if (name == "asio") return std::make_unique<boxed<asio_runtime>>();
#endif
#ifdef INTEROP_BENCH_HAVE_LIBUV
    if (name == "libuv") return std::make_unique<boxed<libuv_runtime>>();
#endif
    return nullptr;
}

// ---- the measured bodies: each performs `n` operations ------------------------------------

task<int> ready_value(int x) { co_return x; }

task<void> await_ready_tasks(long n) {
    long sum = 0;
    for (long i = 0; i < n; ++i) sum += co_await ready_value(1);
    if (sum != n) std::abort();
}

task<void> spawn_and_join(long n) {
    for (long i = 0; i < n; ++i) {
        auto handle = co_await spawn(ready_value(1));
        auto v = co_await handle;
        if (!v) std::abort();
    }
}

task<void> yield_round_trips(long n) {
    for (long i = 0; i < n; ++i) (void)co_await yield_now();
}

task<void> channel_same_task(long n) {
    auto ch = mpsc::unbounded<long>();
    for (long i = 0; i < n; ++i) {
        (void)ch.tx.try_send(i);
        auto v = co_await ch.rx.recv();
        if (!v) std::abort();
    }
}

task<void> producer(mpsc::sender<long> tx, long n) {
    for (long i = 0; i < n; ++i) (void)co_await tx.send(i);
}

task<void> channel_between_tasks(long n) {
    auto ch = mpsc::bounded<long>(64);
    co_await with_scope([&](scope& s) -> task<void> {
        s.spawn(producer(std::move(ch.tx), n));
        long got = 0;
        while (auto v = co_await ch.rx.next()) ++got;
        if (got != n) std::abort();
    });
}

task<void> mutex_uncontended(long n) {
    async_mutex m;
    for (long i = 0; i < n; ++i) {
        auto g = co_await m.lock();
        if (!g) std::abort();
    }
}

task<void> semaphore_uncontended(long n) {
    semaphore s(1);
    for (long i = 0; i < n; ++i) {
        auto p = co_await s.acquire();
        if (!p) std::abort();
    }
}

task<void> scope_with_one_child(long n) {
    long sum = 0;
    for (long i = 0; i < n; ++i) {
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](long* out) -> task<void> {
                    ++*out;
                    co_return;
                },
                &sum);
            co_return;
        });
    }
    if (sum != n) std::abort();
}

task<void> timeout_over_ready(long n) {
    long sum = 0;
    for (long i = 0; i < n; ++i)
        sum += (co_await timeout(std::chrono::seconds(10), ready_value(1))).value_or(0);
    if (sum != n) std::abort();
}

task<void> when_all_of_two(long n) {
    long sum = 0;
    for (long i = 0; i < n; ++i) {
        auto [a, b] = co_await when_all(ready_value(1), ready_value(1));
        sum += a + b;
    }
    if (sum != 2 * n) std::abort();
}

generator<long> numbers(long n) {
    for (long i = 0; i < n; ++i) co_yield i;
}

task<void> generator_items(long n) {
    auto g = numbers(n);
    long count = 0;
    while (auto v = co_await g.next()) ++count;
    if (count != n) std::abort();
}

struct benchmark {
    const char* name;
    long operations;
    task<void> (*body)(long);
};

const benchmark benchmarks[] = {
    {"await a ready task", 1'000'000, &await_ready_tasks},
    {"generator item", 1'000'000, &generator_items},
    {"spawn + join", 200'000, &spawn_and_join},
    {"with_scope + one child", 200'000, &scope_with_one_child},
    {"timeout over a ready task", 200'000, &timeout_over_ready},
    {"when_all of two ready tasks", 200'000, &when_all_of_two},
    {"yield_now round trip", 500'000, &yield_round_trips},
    {"mpsc send + recv, one task", 500'000, &channel_same_task},
    {"mpsc(64) send -> recv, two tasks", 500'000, &channel_between_tasks},
    {"mutex lock + unlock", 1'000'000, &mutex_uncontended},
    {"semaphore acquire + release", 1'000'000, &semaphore_uncontended},
};

struct result {
    double ns_per_op;
    double frame_allocations_per_op;
    double heap_allocations_per_op;
};

result measure(const std::string& runtime_name, const benchmark& b, int repeat, double scale) {
    const long operations =
        std::max(100L, static_cast<long>(static_cast<double>(b.operations) * scale));
    std::vector<double> ns;
    double frame_allocations = 0;
    double heap_allocations = 0;
    for (int r = 0; r < repeat; ++r) {
        // A short warm-up fills this thread's frame cache, as a long-running program
        // would. A runtime runs once (stopping is final), so each run gets its own.
        interop::run(make(runtime_name)->ref(), b.body(operations / 100));
        auto rt = make(runtime_name);
        const auto frames_before = frame_stats().heap_allocations;
        const interop::conformance::heap_count heap;
        const auto start = std::chrono::steady_clock::now();
        interop::run(rt->ref(), b.body(operations));
        const auto elapsed = std::chrono::steady_clock::now() - start;
        heap_allocations =
            static_cast<double>(heap.allocations()) / static_cast<double>(operations);
        frame_allocations = static_cast<double>(frame_stats().heap_allocations - frames_before) /
                            static_cast<double>(operations);
        ns.push_back(std::chrono::duration<double, std::nano>(elapsed).count() /
                     static_cast<double>(operations));
    }
    std::sort(ns.begin(), ns.end());
    return {ns[ns.size() / 2], frame_allocations, heap_allocations};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Micro-benchmarks of interop's core building blocks"};
    std::vector<std::string> runtimes;
    int repeat = 5;
    std::string format = "text";
    double scale = 1.0;
    app.add_option("-r,--runtime", runtimes, "runtimes to measure (default: every built one)");
    app.add_option("--repeat", repeat, "runs per benchmark; the median is reported")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--format", format, "text or markdown")
        ->capture_default_str()
        ->check(CLI::IsMember({"text", "markdown"}));
    app.add_option("--scale", scale, "multiply every operation count (e.g. 0.01 for a smoke run)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);

    if (runtimes.empty()) {
        for (const char* name : {"inline", "asio", "libuv"}) {
            if (make(name)) runtimes.emplace_back(name);
        }
    }
    for (const auto& name : runtimes) {
        if (!make(name)) {
            std::fprintf(stderr, "interop-bench-micro: runtime '%s' is not built\n", name.c_str());
            return 2;
        }
    }

    const bool md = format == "markdown";
    if (md) {
        std::printf(
            "| benchmark | runtime | ns/op | frame allocations/op | heap allocations/op |\n"
            "|---|---|---:|---:|---:|\n");
    } else {
        std::printf("%-34s %-8s %10s %16s %16s\n", "benchmark", "runtime", "ns/op",
                    "frame allocs/op", "heap allocs/op");
    }
    for (const auto& b : benchmarks) {
        // Runtimes are not interleaved with each other's heaps: one runtime at a time.
        for (const auto& name : runtimes) {
            const result r = measure(name, b, repeat, scale);
            if (md) {
                std::printf("| %s | %s | %.1f | %.3f | %.3f |\n", b.name, name.c_str(), r.ns_per_op,
                            r.frame_allocations_per_op, r.heap_allocations_per_op);
            } else {
                std::printf("%-34s %-8s %10.1f %16.3f %16.3f\n", b.name, name.c_str(), r.ns_per_op,
                            r.frame_allocations_per_op, r.heap_allocations_per_op);
            }
            std::fflush(stdout);
        }
    }
    return 0;
}
