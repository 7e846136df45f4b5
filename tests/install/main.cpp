// Runs one task on the runtime interop::runtime stands for (the consumer's
// INTEROP_RUNTIME) and prints that runtime's name: the install test builds this with
// each installed adapter and checks the name against the one it chose.
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

#include <interop/interop.hpp>
#ifdef INTEROP_CONSUMER_TLS
#include <interop/tls.hpp>

// interop::tls from the package: a client that verifies and was given no server name
// refuses to go on, without a peer to talk to.
interop::task<bool> tls_refuses_a_nameless_client() {
    auto ends = interop::duplex(1024);
    auto connecting = interop::tls::connect(interop::tls::context::client(), std::move(ends.first),
                                            std::string());
    auto connected = co_await std::move(connecting);
    co_return !connected && connected.error() == interop::tls::errc::missing_server_name;
}
#endif

interop::task<int> answer() {
    const interop::runtime_ref rt = (co_await interop::current_context())->runtime;
    std::printf("interop_consumer: ran on the '%s' runtime\n", rt.vtable->name);
    co_await interop::sleep_for(std::chrono::milliseconds(1));
#ifdef INTEROP_CONSUMER_TLS
    auto tls_check = tls_refuses_a_nameless_client();
    if (!co_await std::move(tls_check)) co_return 1;
    std::printf("interop_consumer: interop::tls works\n");
#endif
    co_return 42;
}

int main() { return interop::run(answer()) == 42 ? 0 : 1; }
