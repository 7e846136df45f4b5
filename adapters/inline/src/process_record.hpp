// The loop's record of a child process (loop_process.cpp): the adapter kit's
// child_state, and the event_target its pidfd is registered with (loop_epoll.cpp).
#pragma once

#include "interop/runtime/posix_process.hpp"
#include "loop.hpp"

namespace interop::inline_detail {

struct loop::process_record : kit::posix::child_state, event_target {
    process_record() noexcept : event_target{event_source::process} {}
};

}  // namespace interop::inline_detail
