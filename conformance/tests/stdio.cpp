// The standard streams (interop/stdio.hpp). A test runner's own descriptors 0, 1 and 2
// cannot be rearranged safely, so each behaviour opens "a standard stream" on a
// descriptor of its own (detail::open_standard_stream, what open_stdin and the others
// do with 0, 1 and 2): a pipe, a regular file, a pseudo-terminal, /dev/null. That the
// three functions pick 0, 1 and 2 is the end-to-end test's (tests/stdio).
#include <array>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "interop/conformance/loopback.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

// A stdin_stream or stdout_stream over `fd`, as open_stdin and the others make one over
// 0, 1 and 2.
template <typename Stream>
task<Stream> as_stream(int fd) {
    constexpr stdio_direction direction =
        std::is_same_v<Stream, stdin_stream> ? stdio_direction::read : stdio_direction::write;
    task_context* context = co_await current_context();
    io_result<detail::standard_stream> s =
        detail::open_standard_stream(context->runtime, fd, direction);
    REQUIRE(s.has_value());
    co_return Stream{std::move(*s)};
}

// A pipe as a shell makes one: blocking, both ends the test's to close.
struct raw_pipe {
    raw_pipe() { REQUIRE(::pipe2(fds, O_CLOEXEC) == 0); }
    raw_pipe(const raw_pipe&) = delete;
    raw_pipe& operator=(const raw_pipe&) = delete;
    ~raw_pipe() {
        for (const int fd : fds) {
            if (fd >= 0) ::close(fd);
        }
    }
    void close_end(int which) {
        ::close(fds[which]);
        fds[which] = -1;
    }
    int reader() const { return fds[0]; }
    int writer() const { return fds[1]; }
    int fds[2] = {-1, -1};
};

// A regular file in the temporary directory, removed at the end, with `content`.
struct temp_file {
    explicit temp_file(std::string_view content) {
        const char* dir = std::getenv("TMPDIR");
        path = std::string(dir != nullptr ? dir : "/tmp") + "/interop-stdio-XXXXXX";
        const int fd = ::mkstemp(path.data());
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, content.data(), content.size()) == std::ssize(content));
        ::close(fd);
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() { ::unlink(path.c_str()); }
    int open(int flags) const {
        const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
        REQUIRE(fd >= 0);
        return fd;
    }
    std::string content() const {
        const int fd = open(O_RDONLY);
        std::string all;
        std::array<char, 256> buffer{};
        for (ssize_t n = 0; (n = ::read(fd, buffer.data(), buffer.size())) > 0;) {
            all.append(buffer.data(), static_cast<std::size_t>(n));
        }
        ::close(fd);
        return all;
    }
    std::string path;
};

bool is_open_fd(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }
int flags_of(int fd) { return ::fcntl(fd, F_GETFL); }

std::string text_of(const std::vector<std::byte>& bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

TEST_CASE(
    "stdio: a pipe is served by readiness; a MiB written to one end arrives in order at the "
    "other, and closing the writer is end of input") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    conf::run([]() -> task<void> {
        raw_pipe p;
        stdin_stream in = co_await as_stream<stdin_stream>(p.reader());
        stdout_stream out = co_await as_stream<stdout_stream>(p.writer());
        p.close_end(1);  // the stream's duplicate is the only writer left
        CHECK(in.polled());
        CHECK(out.polled());
        constexpr std::size_t size = 1 << 20;  // far more than a pipe holds
        const std::vector<std::byte> sent = conf::pattern(0, size);
        std::vector<std::byte> got;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                CHECK((co_await write_all(out, sent)).has_value());
                (void)co_await out.close();
            });
            s.spawn([&]() -> task<void> {
                auto n = co_await read_to_end(in, got);
                CHECK(n.value() == size);
            });
            co_return;
        });
        CHECK(got == sent);
        std::array<char, 4> buffer{};
        CHECK((co_await in.read(buffer)).value() == 0);  // and again
    });
}

TEST_CASE(
    "stdio: a write to a pipe whose reader is closed fails with broken_pipe, and nothing dies") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    conf::run([]() -> task<void> {
        raw_pipe p;
        stdout_stream out = co_await as_stream<stdout_stream>(p.writer());
        p.close_end(0);
        CHECK((co_await out.write(std::string_view("lost"))).is(std::errc::broken_pipe));
        CHECK((co_await out.write(std::string_view("again"))).is(std::errc::broken_pipe));
    });
}

TEST_CASE("stdio: a cancelled read of a pipe consumes nothing; the next read gets the bytes") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    conf::run([]() -> task<void> {
        raw_pipe p;
        stdin_stream in = co_await as_stream<stdin_stream>(p.reader());
        std::array<char, 16> buffer{};
        CHECK((co_await timeout(5ms, in.read(buffer))).is(std::errc::timed_out));
        REQUIRE(::write(p.writer(), "kept", 4) == 4);
        p.close_end(1);
        std::vector<std::byte> got;
        CHECK((co_await read_to_end(in, got)).value() == 4);
        CHECK(text_of(got) == "kept");
    });
}

TEST_CASE(
    "stdio: closing a stream leaves the process's descriptor open and its flags as they were, "
    "once the last stream on a shared pipe is closed") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    conf::run([]() -> task<void> {
        raw_pipe p;
        const int before = flags_of(p.writer());
        REQUIRE((before & O_NONBLOCK) == 0);
        // stdout and stderr on one pipe, as with 2>&1.
        stdout_stream out = co_await as_stream<stdout_stream>(p.writer());
        stdout_stream err = co_await as_stream<stdout_stream>(p.writer());
        CHECK((flags_of(p.writer()) & O_NONBLOCK) != 0);  // shared: non-blocking meanwhile
        (void)co_await out.close();
        CHECK(is_open_fd(p.writer()));
        CHECK((flags_of(p.writer()) & O_NONBLOCK) != 0);  // err still uses it
        CHECK((co_await err.write(std::string_view("e"))).value() == 1);
        (void)co_await err.close();
        CHECK(is_open_fd(p.writer()));
        CHECK(flags_of(p.writer()) == before);
        // The process's descriptor still works, blocking as before.
        REQUIRE(::write(p.writer(), "x", 1) == 1);
        std::array<char, 2> got{};
        REQUIRE(::read(p.reader(), got.data(), got.size()) == 2);
        CHECK(std::string_view(got.data(), 2) == "ex");
        // A destroyed stream restores them too.
        {
            stdin_stream in = co_await as_stream<stdin_stream>(p.reader());
            CHECK(in.is_open());
        }
        CHECK(is_open_fd(p.reader()));
        CHECK((flags_of(p.reader()) & O_NONBLOCK) == 0);
    });
}

TEST_CASE(
    "stdio: a regular file is served by file calls: a read gives its content, then 0, "
    "and leaves the descriptor open") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    conf::run([]() -> task<void> {
        const std::string content(10000, 'f');
        temp_file file(content + "end");
        const int fd = file.open(O_RDONLY);
        {
            stdin_stream in = co_await as_stream<stdin_stream>(fd);
            CHECK(!in.polled());
            std::vector<std::byte> got;
            CHECK((co_await read_to_end(in, got)).value() == content.size() + 3);
            CHECK(text_of(got) == content + "end");
            std::array<char, 4> buffer{};
            CHECK((co_await in.read(buffer)).value() == 0);
            (void)co_await in.close();
        }
        CHECK(is_open_fd(fd));
        CHECK(::lseek(fd, 0, SEEK_CUR) == static_cast<off_t>(content.size() + 3));  // shared
        ::close(fd);
    });
}

TEST_CASE("stdio: a regular file as output is written where its descriptor's position is") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    conf::run([]() -> task<void> {
        temp_file file("abcdef");
        const int fd = file.open(O_WRONLY);
        REQUIRE(::lseek(fd, 2, SEEK_SET) == 2);
        {
            stdout_stream out = co_await as_stream<stdout_stream>(fd);
            CHECK(!out.polled());
            CHECK((co_await write_all(out, std::as_bytes(std::span<const char>("XY", 2))))
                      .has_value());
            CHECK((co_await out.write(std::string_view())).value() == 0);
        }
        CHECK(::lseek(fd, 0, SEEK_CUR) == 4);
        ::close(fd);
        CHECK(file.content() == "abXYef");
        const int appending = file.open(O_WRONLY | O_APPEND);  // as >> opens it
        stdout_stream out = co_await as_stream<stdout_stream>(appending);
        CHECK((co_await write_all(out, std::as_bytes(std::span<const char>("!", 1)))).has_value());
        (void)co_await out.close();
        ::close(appending);
        CHECK(file.content() == "abXYef!");
    });
}

TEST_CASE(
    "stdio: a read of a file cancelled before its call started is operation_canceled and "
    "consumes nothing") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    conf::run([]() -> task<void> {
        temp_file file("content");
        const int fd = file.open(O_RDONLY);
        stdin_stream in = co_await as_stream<stdin_stream>(fd);
        auto& reader = in;  // a named reference for the lambda below
        co_await with_scope([&](scope& s) -> task<void> {
            s.cancel();
            s.spawn([&]() -> task<void> {
                std::array<char, 16> buffer{};
                CHECK((co_await reader.read(buffer)).is(std::errc::operation_canceled));
            });
            co_return;
        });
        std::vector<std::byte> got;
        CHECK((co_await read_to_end(in, got)).value() == 7);
        CHECK(text_of(got) == "content");
        ::close(fd);
    });
}

TEST_CASE(
    "stdio: reads of a file cancelled while they may be running lose nothing: each gives its "
    "bytes or leaves them for the next read") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    conf::run([]() -> task<void> {
        const std::vector<std::byte> content = conf::pattern(0, 4000);
        temp_file file(text_of(content));
        const int fd = file.open(O_RDONLY);
        stdin_stream in = co_await as_stream<stdin_stream>(fd);
        std::vector<std::byte> got;
        for (int round = 0; round < 40; ++round) {
            std::array<std::byte, 7> buffer{};
            io_result<std::size_t> n = std::size_t{0};
            co_await with_scope([&](scope& s) -> task<void> {
                s.spawn([&]() -> task<void> { n = co_await in.read(buffer); });
                for (int i = 0; i < round % 4; ++i) (void)co_await yield_now();
                s.cancel();
                co_return;
            });
            if (n) {
                got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<long>(*n));
            } else {
                CHECK(n.is(std::errc::operation_canceled));
            }
        }
        std::vector<std::byte> rest;
        CHECK((co_await read_to_end(in, rest)).has_value());
        got.insert(got.end(), rest.begin(), rest.end());
        CHECK(got == content);
        ::close(fd);
    });
}

TEST_CASE(
    "stdio: /dev/null is served by file calls: a read is end of input at once, a "
    "write takes every byte") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    conf::run([]() -> task<void> {
        const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        REQUIRE(fd >= 0);
        stdin_stream in = co_await as_stream<stdin_stream>(fd);
        stdout_stream out = co_await as_stream<stdout_stream>(fd);
        CHECK(!in.polled());
        CHECK(!out.polled());
        std::array<char, 8> buffer{};
        CHECK((co_await in.read(buffer)).value() == 0);
        CHECK((co_await write_all(out, conf::pattern(0, 100000))).has_value());
        (void)co_await in.close();
        (void)co_await out.close();
        CHECK(is_open_fd(fd));
        ::close(fd);
    });
}

TEST_CASE(
    "stdio: a terminal is served by readiness on a description of its own; the terminal's "
    "stays blocking") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    conf::run([]() -> task<void> {
        const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        REQUIRE(master >= 0);
        REQUIRE(::grantpt(master) == 0);
        REQUIRE(::unlockpt(master) == 0);
        const int terminal = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        REQUIRE(terminal >= 0);
        const int before = flags_of(terminal);
        {
            stdin_stream in = co_await as_stream<stdin_stream>(terminal);
            stdout_stream out = co_await as_stream<stdout_stream>(terminal);
            CHECK(in.polled());
            CHECK(out.polled());
            CHECK(flags_of(terminal) == before);  // not made non-blocking
            // A line typed at the terminal (canonical mode hands it over at the newline).
            REQUIRE(::write(master, "typed\n", 6) == 6);
            std::string line;
            while (line.find('\n') == std::string::npos) {
                std::array<char, 16> buffer{};
                auto n = co_await in.read(buffer);
                REQUIRE(n.has_value());
                REQUIRE(*n > 0);
                line.append(buffer.data(), *n);
            }
            CHECK(line == "typed\n");
            // What the program writes appears on the terminal.
            CHECK((co_await write_all(out, std::as_bytes(std::span<const char>("shown", 5))))
                      .has_value());
            std::string seen;
            while (seen.find("shown") == std::string::npos) {
                std::array<char, 16> buffer{};
                const ssize_t n = ::read(master, buffer.data(), buffer.size());
                REQUIRE(n > 0);
                seen.append(buffer.data(), static_cast<std::size_t>(n));
            }
        }
        CHECK(is_open_fd(terminal));
        CHECK(flags_of(terminal) == before);
        ::close(terminal);
        ::close(master);
    });
}

TEST_CASE(
    "stdio: an empty read buffer is invalid_argument; after close every use is "
    "bad_file_descriptor and a second close is harmless, by readiness or by file calls") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    conf::run([]() -> task<void> {
        raw_pipe p;
        const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        REQUIRE(null >= 0);
        for (const int fd : {p.reader(), null}) {
            stdin_stream in = co_await as_stream<stdin_stream>(fd);
            CHECK((co_await in.read(std::span<char>())).is(std::errc::invalid_argument));
            (void)co_await in.close();
            (void)co_await in.close();
            CHECK(!in.is_open());
            std::array<char, 4> buffer{};
            CHECK((co_await in.read(buffer)).is(std::errc::bad_file_descriptor));
        }
        for (const int fd : {p.writer(), null}) {
            stdout_stream out = co_await as_stream<stdout_stream>(fd);
            (void)co_await out.close();
            (void)co_await out.close();
            CHECK((co_await out.write(std::string_view("x"))).is(std::errc::bad_file_descriptor));
        }
        ::close(null);
    });
}

TEST_CASE("stdio: a descriptor that is not open is bad_file_descriptor") {
    INTEROP_REQUIRE_CAPABILITY(cap_stdio);
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        raw_pipe p;
        const int gone = p.reader();
        p.close_end(0);
        CHECK(detail::open_standard_stream(rt, gone, stdio_direction::read)
                  .is(std::errc::bad_file_descriptor));
    });
}
