// The file copy benchmark: a file copied through interop::file on each built runtime,
// against a plain blocking read/write loop with the same buffer size, in the same
// run, and `cp` as a reference; interop::copy_file (reads overlapping writes) on each;
// and the same read/write loop on raw libuv (uv_fs_read, uv_fs_write), the floor of
// interop's libuv runtime, whose file calls are libuv's.
//
//   interop-bench-file-copy [--size-mib 1024] [--buffer-kib 1024] [--rounds 3]
//                           [--dir /tmp] [--overlap] [--no-cp] [--format text|markdown]
//
// It writes a source file of the given size once (and reads it once, so every copy
// starts from the page cache), then for each round copies it once per contender,
// removing the copy after each, and reports each contender's median throughput and
// its ratio to the plain loop's. Every copy is checked to have the source's size and
// its first and last buffer. With --overlap, interop reads the next buffer while the
// previous one is written (two buffers, when_all). Exit status: 0 when every copy was
// complete, 1 otherwise; it never judges the figures.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <interop/inline_runtime.hpp>
#include <interop/interop.hpp>
#if defined(INTEROP_BENCH_HAVE_ASIO)
#include <interop/asio_runtime.hpp>
#endif
#if defined(INTEROP_BENCH_HAVE_LIBUV)
#include <uv.h>
#include <interop/libuv_runtime.hpp>
#endif

namespace {

using clock_type = std::chrono::steady_clock;

struct settings {
    std::size_t size = 0;
    std::size_t buffer = 0;
    bool overlap = false;
};

[[noreturn]] void fail(const char* what) {
    std::perror(what);
    std::exit(1);
}

void write_fully(int fd, const std::byte* data, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0) fail("write");
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

// The source: a pattern that is not all zeros, so nothing can skip it.
void make_source(const std::string& path, const settings& s) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("open source");
    std::vector<std::byte> chunk(s.buffer);
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<std::byte>(i % 251);
    for (std::size_t done = 0; done < s.size;) {
        const std::size_t n = std::min(chunk.size(), s.size - done);
        chunk[0] = static_cast<std::byte>(done / s.buffer);  // every buffer differs
        write_fully(fd, chunk.data(), n);
        done += n;
    }
    ::close(fd);
}

// The plain loop: what a program without interop does.
void plain_copy(const std::string& from, const std::string& to, const settings& s) {
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0) fail("open");
    std::vector<std::byte> buffer(s.buffer);
    for (;;) {
        const ssize_t n = ::read(in, buffer.data(), buffer.size());
        if (n < 0) fail("read");
        if (n == 0) break;
        write_fully(out, buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(in);
    ::close(out);
}

interop::task<bool> interop_copy(std::string from, std::string to, settings s) {
    auto in = co_await interop::file::open(from);
    auto out = co_await interop::file::create(to);
    if (!in || !out) co_return false;
    std::vector<std::byte> first(s.buffer);
    std::vector<std::byte> second(s.buffer);
    if (!s.overlap) {
        for (;;) {
            interop::io_result<std::size_t> n = co_await in->read(first);
            if (!n) co_return false;
            if (*n == 0) break;
            interop::io_result<std::size_t> w =
                co_await interop::write_all(*out, std::span(first).first(*n));
            if (!w) co_return false;
        }
    } else {
        // Read the next buffer while the last one is written.
        interop::io_result<std::size_t> n = co_await in->read(first);
        while (n && *n > 0) {
            const std::span<const std::byte> full = std::span(first).first(*n);
            auto [written, next] =
                co_await interop::when_all(interop::write_all(*out, full), in->read(second));
            if (!written) co_return false;
            n = next;
            std::swap(first, second);
        }
        if (!n) co_return false;
    }
    interop::io_result<void> closed = co_await out->close();
    co_return closed.has_value();
}

bool same_copy(const std::string& from, const std::string& to, const settings& s) {
    struct stat a {};
    struct stat b {};
    if (::stat(from.c_str(), &a) != 0 || ::stat(to.c_str(), &b) != 0) return false;
    if (a.st_size != b.st_size) return false;
    const int x = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    const int y = ::open(to.c_str(), O_RDONLY | O_CLOEXEC);
    std::vector<std::byte> p(s.buffer);
    std::vector<std::byte> q(s.buffer);
    bool same = true;
    for (const off_t at : {off_t{0}, static_cast<off_t>(s.size - std::min(s.size, s.buffer))}) {
        const ssize_t n = ::pread(x, p.data(), p.size(), at);
        const ssize_t m = ::pread(y, q.data(), q.size(), at);
        same = same && n == m && n >= 0 &&
               std::memcmp(p.data(), q.data(), static_cast<std::size_t>(n)) == 0;
    }
    ::close(x);
    ::close(y);
    return same;
}

struct contender {
    std::string name;
    std::function<bool(const std::string&, const std::string&)> copy;
    std::vector<double> seconds;
};

// The library's own whole-file copy (two buffers, reads overlapping writes).
interop::task<bool> interop_copy_file(std::string from, std::string to, settings s) {
    const interop::io_result<std::uint64_t> n =
        co_await interop::copy_file(std::move(from), std::move(to));
    co_return n.has_value() && *n == s.size;
}

#if defined(INTEROP_BENCH_HAVE_LIBUV)
// The loop of interop_copy on raw libuv: uv_fs_read, then uv_fs_write until the buffer
// is written, each on libuv's thread pool, chained by their callbacks.
struct raw_uv_copy {
    uv_loop_t* loop = nullptr;
    uv_file in = -1;
    uv_file out = -1;
    std::vector<char> buffer;
    std::size_t have = 0;
    std::size_t written = 0;
    bool failed = false;
    uv_fs_t request{};

    void read_next() {
        uv_buf_t part = uv_buf_init(buffer.data(), static_cast<unsigned>(buffer.size()));
        request.data = this;
        if (uv_fs_read(loop, &request, in, &part, 1, -1, &raw_uv_copy::on_read) < 0) failed = true;
    }
    void write_rest() {
        uv_buf_t part = uv_buf_init(buffer.data() + written, static_cast<unsigned>(have - written));
        request.data = this;
        if (uv_fs_write(loop, &request, out, &part, 1, -1, &raw_uv_copy::on_write) < 0) {
            failed = true;
        }
    }
    static void on_read(uv_fs_t* r) {
        auto* self = static_cast<raw_uv_copy*>(r->data);
        const ssize_t n = r->result;
        uv_fs_req_cleanup(r);
        if (n < 0) self->failed = true;
        if (n <= 0) return;
        self->have = static_cast<std::size_t>(n);
        self->written = 0;
        self->write_rest();
    }
    static void on_write(uv_fs_t* r) {
        auto* self = static_cast<raw_uv_copy*>(r->data);
        const ssize_t n = r->result;
        uv_fs_req_cleanup(r);
        if (n < 0) {
            self->failed = true;
            return;
        }
        self->written += static_cast<std::size_t>(n);
        if (self->written < self->have) return self->write_rest();
        self->read_next();
    }
};

bool raw_libuv_copy(const std::string& from, const std::string& to, const settings& s) {
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) return false;
    raw_uv_copy copy;
    copy.loop = &loop;
    copy.buffer.resize(s.buffer);
    copy.in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    copy.out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (copy.in < 0 || copy.out < 0) fail("open");
    copy.read_next();
    uv_run(&loop, UV_RUN_DEFAULT);
    ::close(copy.in);
    ::close(copy.out);
    uv_loop_close(&loop);
    return !copy.failed;
}
#endif

template <typename Runtime>
bool copy_on(Runtime& rt, const std::string& from, const std::string& to, const settings& s) {
    return interop::run(rt.ref(), interop_copy(from, to, s));
}

template <typename Runtime>
bool copy_file_on(Runtime& rt, const std::string& from, const std::string& to, const settings& s) {
    return interop::run(rt.ref(), interop_copy_file(from, to, s));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Copies a file through interop::file on each runtime and with a plain loop."};
    std::size_t size_mib = 1024;
    std::size_t buffer_kib = 1024;
    int rounds = 3;
    std::string dir = "/tmp";
    bool overlap = false;
    bool no_cp = false;
    std::string format = "text";
    app.add_option("--size-mib", size_mib, "size of the file copied, in MiB")
        ->check(CLI::PositiveNumber);
    app.add_option("--buffer-kib", buffer_kib, "buffer size, in KiB")->check(CLI::PositiveNumber);
    app.add_option("--rounds", rounds, "copies per contender; the median counts")
        ->check(CLI::PositiveNumber);
    app.add_option("--dir", dir, "where the files go");
    app.add_flag("--overlap", overlap, "interop reads the next buffer while writing the last");
    app.add_flag("--no-cp", no_cp, "leave out cp");
    app.add_option("--format", format)->check(CLI::IsMember({"text", "markdown"}));
    CLI11_PARSE(app, argc, argv);

    const settings s{size_mib << 20, buffer_kib << 10, overlap};
    const std::string base = dir + "/interop-bench-file-copy-" + std::to_string(::getpid());
    const std::string from = base + ".source";
    const std::string to = base + ".copy";
    make_source(from, s);
    plain_copy(from, to, s);  // reads the source once: every copy starts from the cache
    ::unlink(to.c_str());

    std::vector<contender> all;
    all.push_back({"plain read/write",
                   [&](const std::string& a, const std::string& b) {
                       plain_copy(a, b, s);
                       return true;
                   },
                   {}});
    // Per runtime: the read/write loop a user writes, and copy_file.
    const auto add = [&](const std::string& name, auto make_runtime) {
        all.push_back({"interop " + name,
                       [&s, make_runtime](const std::string& a, const std::string& b) {
                           auto rt = make_runtime();
                           return copy_on(*rt, a, b, s);
                       },
                       {}});
        all.push_back({"copy_file " + name,
                       [&s, make_runtime](const std::string& a, const std::string& b) {
                           auto rt = make_runtime();
                           return copy_file_on(*rt, a, b, s);
                       },
                       {}});
    };
    add("inline", [] { return std::make_unique<interop::inline_runtime>(); });
#if defined(INTEROP_BENCH_HAVE_ASIO)
    add("asio", [] {
        return std::make_unique<interop::asio_runtime>(
            interop::asio_runtime::options{.threads = 1});
    });
#endif
#if defined(INTEROP_BENCH_HAVE_LIBUV)
    add("libuv", [] { return std::make_unique<interop::libuv_runtime>(); });
    all.push_back(
        {"raw libuv",
         [&s](const std::string& a, const std::string& b) { return raw_libuv_copy(a, b, s); },
         {}});
#endif
    if (!no_cp) {
        all.push_back({"cp",
                       [&](const std::string& a, const std::string& b) {
                           const std::string command = "cp '" + a + "' '" + b + "'";
                           return std::system(command.c_str()) == 0;
                       },
                       {}});
    }

    bool complete = true;
    // Rounds go through every contender in turn, so that whatever the machine does
    // meanwhile falls on all of them alike.
    for (int round = 0; round < rounds; ++round) {
        for (contender& c : all) {
            const auto start = clock_type::now();
            const bool ok = c.copy(from, to);
            const std::chrono::duration<double> took = clock_type::now() - start;
            if (!ok || !same_copy(from, to, s)) {
                std::fprintf(stderr, "%s: the copy is incomplete or wrong\n", c.name.c_str());
                complete = false;
            }
            c.seconds.push_back(took.count());
            ::unlink(to.c_str());
        }
    }
    ::unlink(from.c_str());

    const double mib = static_cast<double>(s.size) / (1 << 20);
    const double plain = mib / median(all.front().seconds);
    if (format == "markdown") {
        std::printf(
            "| copy of %zu MiB, %zu KiB buffers%s | MiB/s (median of %d) | ratio to plain |\n",
            size_mib, buffer_kib, overlap ? ", overlapped" : "", rounds);
        std::printf("|---|---|---|\n");
    } else {
        std::printf("copy of %zu MiB with %zu KiB buffers%s, median of %d rounds\n", size_mib,
                    buffer_kib, overlap ? " (interop overlapped)" : "", rounds);
    }
    for (const contender& c : all) {
        const double rate = mib / median(c.seconds);
        if (format == "markdown") {
            std::printf("| %s | %.0f | %.2f |\n", c.name.c_str(), rate, rate / plain);
        } else {
            std::printf("%-18s %8.0f MiB/s  ratio %.2f\n", c.name.c_str(), rate, rate / plain);
        }
    }
    return complete ? 0 : 1;
}
