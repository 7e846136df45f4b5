// The task registry's shared pieces: ids, the list of tasks outside any run, and the
// start of a record (detail/task_record.hpp).
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "interop/detail/run_state.hpp"
#include "interop/detail/task_record.hpp"

namespace interop::detail {

namespace {

// Each thread takes ids in blocks, so a task's start touches no line another thread
// writes. Id 0 is never given: it means "no task".
constexpr std::uint64_t id_block = 1024;
std::atomic<std::uint64_t> next_block{1};

struct id_range {
    std::uint64_t next = 0;
    std::uint64_t end = 0;
};
thread_local id_range ids;

}  // namespace

std::uint64_t next_task_id() noexcept {
    if (ids.next == ids.end) {
        ids.next = next_block.fetch_add(id_block, std::memory_order_relaxed);
        ids.end = ids.next + id_block;
    }
    return ids.next++;
}

// Constant-initialized, so that a context made during another translation unit's
// static initialization may point at it.
constinit task_record unrecorded_task{};

task_list& tasks_outside_runs() noexcept {
    static task_list list;
    return list;
}

void begin_task(task_record& r, const task_context& ctx, const task_origin& origin) noexcept {
    r.ctx = ctx;
    r.ctx.task = &r;
    r.id = origin.id != 0 ? origin.id : next_task_id();
    r.parent = origin.parent;
    r.coroutine = origin.coroutine;
    r.site = origin.site;
    r.kind = origin.kind;
    r.scope = origin.scope;
    const std::size_t length = std::min(origin.name.size(), task_record::name_capacity);
    std::copy_n(origin.name.data(), length, r.name);
    r.name[length] = '\0';
    r.started_at = task_clock_now();
    if (ctx.run != nullptr) {
        r.counters = &ctx.run->counters();
        r.counters->started.fetch_add(1, std::memory_order_relaxed);
    }
    r.wait.set(&wait_ready, nullptr, 0);
    (origin.list != nullptr ? origin.list : &tasks_outside_runs())->link(&r);
    if (tracing.load(std::memory_order_relaxed)) [[unlikely]]
        trace_task_begin(r);
}

}  // namespace interop::detail
