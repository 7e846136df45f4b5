#include "interop/context.hpp"

#include <string>

namespace interop {

namespace {
std::string no_runtime_message(const char* operation) {
    return std::string(operation) +
           " was awaited by a task that no runtime drives: run the task with interop::run(...) "
           "or spawn it on a runtime (interop::sync_wait has no runtime)";
}
}  // namespace

no_runtime_error::no_runtime_error(const char* operation)
    : std::logic_error(no_runtime_message(operation)) {}

}  // namespace interop
