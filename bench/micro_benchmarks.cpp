// interop-bench-micro: the cost of the core's building blocks, per operation, on every
// built runtime, measured with Google Benchmark.
//
//   interop-bench-micro [--timer_count=1000000] [Google Benchmark flags]
//   e.g. --benchmark_filter=spawn --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true --benchmark_format=json
//
// Each benchmark is named <operation>/<runtime>. How a batch is timed: Google
// Benchmark picks a number of iterations N; the benchmark then makes one runtime and
// runs one interop::run on it, whose task first warms the per-thread frame cache with
// a short run of the same body (as a long-running program would have), then performs
// the N operations in a loop and times that loop alone with steady_clock. The time is
// handed over as manual time (UseManualTime), so making the runtime, starting and
// stopping interop::run and the warm-up stay out of the figure. Per operation, two
// counters come with it: frames/op, the coroutine frames that had to come from the
// heap (0: the frame cache served every frame), and allocs/op, every operator new of
// the process during the loop (conformance/src/heap.cpp's global counter).
//
// Next to it, the counter cpu_ns/op is the process's CPU time for the same loop: on a
// machine shared with other work, the wall-clock time also counts the turns the
// scheduler gives to others, and the two then part.
//
// The timer benchmarks:
// - timer_start_cancel: the runtime's timer primitive as a sleep uses it: read the
//   clock, arm a timer an hour away, cancel it, and resume the task from the
//   cancelled completion, which the runtime delivers from its run queue (never inside
//   the cancel), as it does a yield_now.
// - timer_start_cancel_64_at_once: the same for 64 timers armed, then all cancelled,
//   then one wait for the 64 completions: the timer's own cost, the loop pass shared.
// - sleep_cancelled_by_scope: as task code writes it: a scope whose body sleeps an
//   hour and whose one child cancels the scope (with_scope_one_child is the same
//   scope and child without the sleep).
// - 1M_timers: 1,000,000 scope children each sleep a random 0..10 ms and all fire;
//   one iteration, timed from the first spawn to the end of the scope. In the same
//   iteration, when libuv is built, raw libuv first arms and fires as many uv_timer_t
//   with the same delays; vs_raw_libuv is raw libuv's time over interop's (1: as fast
//   as raw libuv, 0.5: twice as slow; cpu_vs_raw_libuv the same in CPU time), and
//   1M_timers/raw_libuv shows raw libuv alone. --timer_count=N changes the number (the
//   smoke test's is small; then the 10 ms of the delays dominate).
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <interop/channels.hpp>
#include <interop/conformance/heap.hpp>
#include <interop/inline_runtime.hpp>
#include <interop/interop.hpp>
#ifdef INTEROP_BENCH_HAVE_ASIO
#include <interop/asio_runtime.hpp>
#endif
#ifdef INTEROP_BENCH_HAVE_LIBUV
#include <uv.h>
#include <interop/libuv_runtime.hpp>
#endif

namespace {

using namespace interop;
using namespace std::chrono_literals;

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

// `Count` timers armed an hour away and cancelled at once, through the runtime's
// primitives as sleep_for uses them (read the clock, timer_start; the stop callback's
// cancel), then one suspension until every cancelled completion has arrived: the
// adapter delivers them from its loop. One timer at a time measures a timer and the
// loop turn that delivers its completion; 64 at once tell the timer heap's work from
// that turn.
template <int Count>
class cancelled_timers {
public:
    static constexpr int count = Count;

    explicit cancelled_timers(runtime_ref rt) noexcept : runtime_(rt) {
        for (auto& t : timers_) t.group = this;
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiter) noexcept {
        awaiter_ = awaiter;
        remaining_ = count;
        const time_point deadline = runtime_.vtable->now(runtime_.self) + duration(1h);
        for (auto& t : timers_) {
            t.deadline = deadline;
            runtime_.vtable->timer_start(runtime_.self, &t);
        }
        for (auto& t : timers_) runtime_.vtable->cancel(runtime_.self, &t);
    }
    int await_resume() const noexcept { return cancelled_; }

private:
    struct timer : timer_operation {
        timer() noexcept : timer_operation(&cancelled_timers::on_complete) {}
        cancelled_timers* group = nullptr;
    };

    static void on_complete(operation* base, std::error_code ec, std::size_t) noexcept {
        cancelled_timers* self = static_cast<timer*>(static_cast<timer_operation*>(base))->group;
        if (ec == std::errc::operation_canceled) ++self->cancelled_;
        if (--self->remaining_ == 0) self->awaiter_.resume();
    }

    runtime_ref runtime_;
    timer timers_[static_cast<std::size_t>(count)];
    std::coroutine_handle<> awaiter_{};
    int remaining_ = 0;
    int cancelled_ = 0;
};

// n timers in groups of Count (n rounded up to a whole group).
template <int Count>
task<void> timers_started_and_cancelled(long n) {
    const runtime_ref rt = (co_await current_context())->runtime;
    for (long i = 0; i < n; i += Count) {
        const int cancelled = co_await cancelled_timers<Count>(rt);
        if (cancelled != Count) std::abort();
    }
}

task<void> cancel_scope(scope* s) {
    s->cancel();
    co_return;
}

task<void> sleep_cancelled_by_scope(long n) {
    long cancelled = 0;
    for (long i = 0; i < n; ++i) {
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(cancel_scope(&s));
            auto slept = co_await sleep_for(1h);
            if (slept.is(std::errc::operation_canceled)) ++cancelled;
        });
    }
    if (cancelled != n) std::abort();
}

// ---- timing a batch ---------------------------------------------------------------------

// The CPU time of the whole process (every thread of a runtime), in seconds: on a
// machine shared with other work, the wall-clock time also counts the turns the
// scheduler gives to others.
double process_cpu_seconds() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct measurement {
    std::chrono::steady_clock::duration elapsed{};
    double cpu_seconds = 0;
    std::uint64_t frame_allocations = 0;
    std::uint64_t heap_allocations = 0;
};

using body_fn = task<void> (*)(long);

task<void> measured(body_fn body, long n, measurement* out) {
    auto warm_up = body(std::min(n, 1000L));
    co_await std::move(warm_up);

    const auto frames_before = frame_stats().heap_allocations;
    const conformance::heap_count heap;
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    auto work = body(n);
    co_await std::move(work);
    out->elapsed = std::chrono::steady_clock::now() - start;
    out->cpu_seconds = process_cpu_seconds() - cpu_start;
    out->heap_allocations = heap.allocations();
    out->frame_allocations = frame_stats().heap_allocations - frames_before;
}

double seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

void run_batch(benchmark::State& state, const std::string& runtime_name, body_fn body) {
    auto rt = make(runtime_name);
    measurement m;
    double cpu = 0;
    std::uint64_t frames = 0;
    std::uint64_t allocations = 0;
    while (state.KeepRunningBatch(state.max_iterations)) {
        interop::run(rt->ref(), measured(body, static_cast<long>(state.max_iterations), &m));
        state.SetIterationTime(seconds(m.elapsed));
        cpu += m.cpu_seconds;
        frames += m.frame_allocations;
        allocations += m.heap_allocations;
    }
    state.counters["cpu_ns/op"] = benchmark::Counter(cpu * 1e9, benchmark::Counter::kAvgIterations);
    state.counters["frames/op"] =
        benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kAvgIterations);
    state.counters["allocs/op"] =
        benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
}

// ---- many timers --------------------------------------------------------------------------

// The delays of the timers, in whole milliseconds (libuv's resolution): 0..10, from a
// fixed pseudo-random sequence, the same for interop and raw libuv.
std::vector<int> timer_delays(long count) {
    std::vector<int> delays(static_cast<std::size_t>(count));
    std::uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (auto& d : delays) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d = static_cast<int>(x % 11);
    }
    return delays;
}

task<void> sleep_then_count(int delay_ms, long* fired) {
    auto slept = co_await sleep_for(std::chrono::milliseconds(delay_ms));
    if (!slept) std::abort();
    ++*fired;
}

task<void> many_timers(const std::vector<int>* delays, measurement* out) {
    long fired = 0;
    const auto frames_before = frame_stats().heap_allocations;
    const conformance::heap_count heap;
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    co_await with_scope([&](scope& s) -> task<void> {
        for (const int d : *delays) s.spawn(sleep_then_count(d, &fired));
        co_return;
    });
    out->elapsed = std::chrono::steady_clock::now() - start;
    out->cpu_seconds = process_cpu_seconds() - cpu_start;
    out->heap_allocations = heap.allocations();
    out->frame_allocations = frame_stats().heap_allocations - frames_before;
    if (fired != static_cast<long>(delays->size())) std::abort();
}

#ifdef INTEROP_BENCH_HAVE_LIBUV
// The baseline: one uv_timer_t per timer (their storage allocated beforehand, as a C
// program would), started with the same delays; the loop runs until all have fired.
measurement raw_libuv_timers(const std::vector<int>& delays) {
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) std::abort();
    std::vector<uv_timer_t> timers(delays.size());
    long fired = 0;
    loop.data = &fired;
    measurement m;
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < delays.size(); ++i) {
        uv_timer_init(&loop, &timers[i]);
        uv_timer_start(
            &timers[i], [](uv_timer_t* t) { ++*static_cast<long*>(t->loop->data); },
            static_cast<std::uint64_t>(delays[i]), 0);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    m.elapsed = std::chrono::steady_clock::now() - start;
    m.cpu_seconds = process_cpu_seconds() - cpu_start;
    if (fired != static_cast<long>(delays.size())) std::abort();
    for (auto& t : timers) uv_close(reinterpret_cast<uv_handle_t*>(&t), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0) std::abort();
    return m;
}
#endif

// Per timer: wall-clock and CPU nanoseconds, heap frames and allocations.
void report_timers(benchmark::State& state, const measurement& total, const measurement& last,
                   std::size_t count) {
    const double per_timer =
        1e9 / static_cast<double>(state.iterations()) / static_cast<double>(count);
    state.counters["ns/timer"] = seconds(total.elapsed) * per_timer;
    state.counters["cpu_ns/timer"] = total.cpu_seconds * per_timer;
    state.counters["frames/timer"] =
        static_cast<double>(last.frame_allocations) / static_cast<double>(count);
    state.counters["allocs/timer"] =
        static_cast<double>(last.heap_allocations) / static_cast<double>(count);
}

// Each iteration runs raw libuv's baseline first (outside the reported time), so that
// the ratio compares runs made moments apart, under the same load.
void run_many_timers(benchmark::State& state, const std::string& runtime_name,
                     const std::vector<int>& delays) {
    measurement m;
    measurement total;
    [[maybe_unused]] measurement raw_total;
    for (auto _ : state) {
#ifdef INTEROP_BENCH_HAVE_LIBUV
        const measurement raw = raw_libuv_timers(delays);
        raw_total.elapsed += raw.elapsed;
        raw_total.cpu_seconds += raw.cpu_seconds;
#endif
        auto rt = make(runtime_name);
        interop::run(rt->ref(), many_timers(&delays, &m));
        state.SetIterationTime(seconds(m.elapsed));
        total.elapsed += m.elapsed;
        total.cpu_seconds += m.cpu_seconds;
    }
    report_timers(state, total, m, delays.size());
#ifdef INTEROP_BENCH_HAVE_LIBUV
    state.counters["vs_raw_libuv"] = seconds(raw_total.elapsed) / seconds(total.elapsed);
    state.counters["cpu_vs_raw_libuv"] = raw_total.cpu_seconds / total.cpu_seconds;
#endif
}

#ifdef INTEROP_BENCH_HAVE_LIBUV
void run_raw_libuv_timers(benchmark::State& state, const std::vector<int>& delays) {
    measurement total;
    for (auto _ : state) {
        const measurement m = raw_libuv_timers(delays);
        state.SetIterationTime(seconds(m.elapsed));
        total.elapsed += m.elapsed;
        total.cpu_seconds += m.cpu_seconds;
    }
    report_timers(state, total, measurement{}, delays.size());
}
#endif

// ---- registration -------------------------------------------------------------------------

struct micro_benchmark {
    const char* name;
    body_fn body;
};

const micro_benchmark micro_benchmarks[] = {
    {"await_ready_task", &await_ready_tasks},
    {"generator_item", &generator_items},
    {"spawn_and_join", &spawn_and_join},
    {"with_scope_one_child", &scope_with_one_child},
    {"timeout_over_ready_task", &timeout_over_ready},
    {"when_all_two_ready_tasks", &when_all_of_two},
    {"yield_now_round_trip", &yield_round_trips},
    {"mpsc_send_recv_one_task", &channel_same_task},
    {"mpsc64_send_recv_two_tasks", &channel_between_tasks},
    {"mutex_lock_unlock", &mutex_uncontended},
    {"semaphore_acquire_release", &semaphore_uncontended},
    {"timer_start_cancel", &timers_started_and_cancelled<1>},
    {"timer_start_cancel_64_at_once", &timers_started_and_cancelled<64>},
    {"sleep_cancelled_by_scope", &sleep_cancelled_by_scope},
};

std::vector<std::string> built_runtimes() {
    std::vector<std::string> names;
    for (const char* name : {"inline", "asio", "libuv"}) {
        if (make(name)) names.emplace_back(name);
    }
    return names;
}

std::string timers_name(long count) {
    if (count % 1'000'000 == 0) return std::to_string(count / 1'000'000) + "M_timers";
    return std::to_string(count) + "_timers";
}

// <operation>/<runtime>
std::string benchmark_name(const std::string& operation, const std::string& runtime) {
    std::string name = operation;
    name += '/';
    name += runtime;
    return name;
}

// Takes --timer_count=N out of the arguments (Google Benchmark sees the rest).
long take_timer_count(int* argc, char** argv) {
    long count = 1'000'000;
    constexpr const char flag[] = "--timer_count=";
    int kept = 1;
    for (int i = 1; i < *argc; ++i) {
        if (std::strncmp(argv[i], flag, sizeof flag - 1) == 0) {
            count = std::strtol(argv[i] + sizeof flag - 1, nullptr, 10);
            if (count <= 0) {
                std::fprintf(stderr,
                             "interop-bench-micro: --timer_count wants a positive number\n");
                std::exit(2);
            }
        } else {
            if (std::strcmp(argv[i], "--help") == 0) {
                std::printf(
                    "interop-bench-micro [--timer_count=<n>] [Google Benchmark flags below]\n"
                    "  --timer_count=<n>  timers armed and fired by the many-timers benchmarks "
                    "(default 1000000)\n\n");
            }
            argv[kept++] = argv[i];
        }
    }
    *argc = kept;
    return count;
}

}  // namespace

int main(int argc, char** argv) {
    const long timer_count = take_timer_count(&argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

    const auto runtimes = built_runtimes();
    // One runtime at a time per operation, so that neighbouring rows compare runtimes.
    for (const auto& b : micro_benchmarks) {
        for (const auto& rt : runtimes) {
            const body_fn body = b.body;
            auto measure = [rt, body](benchmark::State& state) { run_batch(state, rt, body); };
            benchmark::RegisterBenchmark(benchmark_name(b.name, rt).c_str(), measure)
                ->UseManualTime();
        }
    }

    const std::vector<int> delays = timer_delays(timer_count);
    const std::string timers = timers_name(timer_count);
#ifdef INTEROP_BENCH_HAVE_LIBUV
    benchmark::RegisterBenchmark(
        benchmark_name(timers, "raw_libuv").c_str(),
        [&delays](benchmark::State& state) { run_raw_libuv_timers(state, delays); })
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
#endif
    for (const auto& rt : runtimes) {
        benchmark::RegisterBenchmark(
            benchmark_name(timers, rt).c_str(),
            [rt, &delays](benchmark::State& state) { run_many_timers(state, rt, delays); })
            ->UseManualTime()
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
    }

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
