/// \file
/// The name a task is spawned with, which task dumps show (interop/debug.hpp).
///
///     s.spawn("reader", read_loop(conn));
///     auto h = interop::spawn(rt, "flush", flush_every(1s));
#pragma once

#include <string>
#include <string_view>

#include "interop/detail/task_record.hpp"

namespace interop {

/// A task's name, given as the first argument of spawn or scope::spawn. The text is
/// copied when the task starts (its first 31 bytes), so it need not outlive the call.
/// The place of the call in the source is kept with it.
class task_name {
public:
    task_name(const char* text, detail::spawn_site site = detail::spawn_site::here()) noexcept
        : text_(text != nullptr ? text : ""), site_(site) {}
    task_name(std::string_view text, detail::spawn_site site = detail::spawn_site::here()) noexcept
        : text_(text), site_(site) {}
    task_name(const std::string& text,
              detail::spawn_site site = detail::spawn_site::here()) noexcept
        : text_(text), site_(site) {}

    std::string_view text() const noexcept { return text_; }
    detail::spawn_site site() const noexcept { return site_; }

private:
    std::string_view text_;
    detail::spawn_site site_;
};

}  // namespace interop
