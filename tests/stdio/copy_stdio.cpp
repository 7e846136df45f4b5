// interop-stdio-copy <runtime>: copies standard input to standard output through
// interop's standard streams, on the runtime named (inline, libuv, asio, asio-mt,
// chaos), so that tests/stdio/stdio_copy_test.sh can run it with its streams made
// files, pipes, /dev/null, or a pipe whose reader leaves early.
//
// Exit status: 0 after end of input, 1 when a stream fails (the error then reported on
// standard error, through interop too), 2 for a runtime this build does not have.
#include <array>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "interop/chaos_runtime.hpp"
#include "interop/inline_runtime.hpp"
#include "interop/interop.hpp"
#if INTEROP_STDIO_COPY_ASIO
#include "interop/asio_runtime.hpp"
#endif
#if INTEROP_STDIO_COPY_LIBUV
#include "interop/libuv_runtime.hpp"
#endif

namespace {

// Reports `what` failed with `error` on standard error, and returns the exit status 1.
interop::task<int> fail(std::string what, std::error_code error) {
    auto err = co_await interop::open_stderr();
    if (!err) co_return 1;
    const std::string line = "interop-stdio-copy: " + what + ": " + error.message() + "\n";
    (void)co_await interop::write_all(*err, std::as_bytes(std::span(line)));
    (void)co_await err->close();
    co_return 1;
}

interop::task<int> copy() {
    auto in = co_await interop::open_stdin();
    if (!in) co_return co_await fail("opening standard input", in.error());
    auto out = co_await interop::open_stdout();
    if (!out) co_return co_await fail("opening standard output", out.error());
    std::array<std::byte, 16384> buffer{};
    for (;;) {
        interop::io_result<std::size_t> n = co_await in->read(buffer);
        if (!n) co_return co_await fail("reading standard input", n.error());
        if (*n == 0) break;
        interop::io_result<std::size_t> wrote =
            co_await interop::write_all(*out, std::span<const std::byte>(buffer.data(), *n));
        if (!wrote) co_return co_await fail("writing standard output", wrote.error());
    }
    (void)co_await out->close();
    (void)co_await in->close();
    co_return 0;
}

template <typename Runtime>
int copy_on(Runtime& runtime) {
    return interop::run(runtime.ref(), copy());
}

}  // namespace

int main(int argc, char** argv) {
    const std::string_view name = argc > 1 ? argv[1] : "inline";
    if (name == "inline") {
        interop::inline_runtime runtime;
        return copy_on(runtime);
    }
    if (name == "chaos") {
        interop::inline_runtime inner;
        interop::chaos_runtime runtime(inner.ref(), interop::chaos_runtime::options{.seed = 7});
        return copy_on(runtime);
    }
#if INTEROP_STDIO_COPY_ASIO
    if (name == "asio" || name == "asio-mt") {
        interop::asio_runtime runtime(
            interop::asio_runtime::options{.threads = name == "asio" ? 1U : 4U});
        return copy_on(runtime);
    }
#endif
#if INTEROP_STDIO_COPY_LIBUV
    if (name == "libuv") {
        interop::libuv_runtime runtime;
        return copy_on(runtime);
    }
#endif
    std::fprintf(stderr, "interop-stdio-copy: no runtime '%.*s' in this build\n",
                 static_cast<int>(name.size()), name.data());
    return 2;
}
