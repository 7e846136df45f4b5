// What the task-dump behaviours (debug*.cpp) share: finding a task in a snapshot,
// waiting until a task waits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interop/conformance/suite.hpp"
#include "interop/debug.hpp"

namespace interop::debug_support {

using namespace std::chrono_literals;

inline const debug::task_info* find_in(const std::vector<debug::task_info>& tasks,
                                       std::string_view name, std::uint64_t id) {
    for (const debug::task_info& t : tasks) {
        if (id != 0 ? t.id == id : t.name == name) return &t;
        if (const debug::task_info* c = find_in(t.children, name, id)) return c;
    }
    return nullptr;
}

// The task named `name` (or with `id`) in a new snapshot, if it is there.
inline std::optional<debug::task_info> find_task(std::string_view name, std::uint64_t id = 0) {
    for (const debug::runtime_info& rt : debug::snapshot()) {
        if (const debug::task_info* t = find_in(rt.tasks, name, id)) return *t;
    }
    return std::nullopt;
}

inline bool ends_with(std::string_view text, std::string_view end) {
    return text.size() >= end.size() && text.substr(text.size() - end.size()) == end;
}
inline bool starts_with(std::string_view text, std::string_view start) {
    return text.substr(0, start.size()) == start;
}

// Waits (on the runtime's clock, a millisecond at a time) until the task named `name`
// waits on something, and returns what a snapshot then says of it.
inline task<debug::task_info> once_waiting(std::string name) {
    for (int i = 0; i < 5000; ++i) {
        std::optional<debug::task_info> t = find_task(name);
        if (t && t->state == debug::task_state::waiting) co_return *t;
        (void)co_await sleep_for(1ms);
    }
    FAIL("the task '" << name << "' never waited");
    co_return debug::task_info{};
}

inline task<void> park_on(event* e) { (void)co_await e->wait(); }

}  // namespace interop::debug_support
