// How the inline runtime uses operation::adapter_data while an operation is pending.
//
//   adapter_data[0]  where it waits: its index in the timer heap, the handle of the
//                    socket it is connecting, or the background_job running it
//   adapter_data[1]  previous operation in a wait_list (reads, writes, accepts)
//   adapter_data[2]  next operation in a wait_list
//
// The words are only meaningful while the operation is pending; once its completion
// is queued the runtime never looks at them again.
#pragma once

#include <cstdint>

#include "interop/runtime_interface.hpp"

namespace interop::inline_detail {

inline std::uintptr_t where_word(const operation* op) noexcept {
    return reinterpret_cast<std::uintptr_t>(op->adapter_data[0]);
}

inline void set_where_word(operation* op, std::uintptr_t value) noexcept {
    op->adapter_data[0] = reinterpret_cast<void*>(value);
}

}  // namespace interop::inline_detail
