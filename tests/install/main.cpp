// Runs one task on the runtime selected when interop was built.
#include <chrono>

#include <interop/interop.hpp>

interop::task<int> answer() {
    co_await interop::sleep_for(std::chrono::milliseconds(1));
    co_return 42;
}

int main() { return interop::run(answer()) == 42 ? 0 : 1; }
