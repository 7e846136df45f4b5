// Runs one task on the runtime interop::runtime stands for (the consumer's
// INTEROP_RUNTIME) and prints that runtime's name: the install test builds this with
// each installed adapter and checks the name against the one it chose.
#include <chrono>
#include <cstdio>

#include <interop/interop.hpp>

interop::task<int> answer() {
    const interop::runtime_ref rt = (co_await interop::current_context())->runtime;
    std::printf("interop_consumer: ran on the '%s' runtime\n", rt.vtable->name);
    co_await interop::sleep_for(std::chrono::milliseconds(1));
    co_return 42;
}

int main() { return interop::run(answer()) == 42 ? 0 : 1; }
