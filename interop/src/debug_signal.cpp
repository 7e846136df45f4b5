// interop::debug::dump_on_signal (interop/debug.hpp).
#include <iostream>
#include <ostream>

#include "interop/debug.hpp"
#include "interop/signal.hpp"

namespace interop::debug {

task<io_result<void>> dump_on_signal(int signal_number, std::ostream* out) {
    auto listener = co_await signal_listener::listen(signal_number);
    if (!listener) co_return listener.error();
    std::ostream& target = out != nullptr ? *out : std::cerr;
    for (;;) {
        io_result<void> raised = co_await listener->recv();
        if (!raised) co_return raised.error();
        dump(target);
    }
}

}  // namespace interop::debug
