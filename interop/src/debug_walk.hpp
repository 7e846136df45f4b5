// What the reports of interop/debug.hpp share: a walk over every task of a snapshot.
#pragma once

#include <vector>

#include "interop/debug.hpp"

namespace interop::debug::walk {

// Calls f(task) for each task of `tasks` and each of their children, parents first.
template <typename F>
void each_task(const std::vector<task_info>& tasks, F& f) {
    for (const task_info& t : tasks) {
        f(t);
        each_task(t.children, f);
    }
}

}  // namespace interop::debug::walk
