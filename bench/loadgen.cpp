// interop-bench-loadgen: a TCP ping-pong load generator for the echo benchmarks.
//
//   interop-bench-loadgen --port 7000 --connections 64 --message-size 64 --warmup 1 --duration 5
//                         --server-pid 1234
//
// Each connection writes a message, reads the echo back in full, checks every byte
// and starts the next round trip. One thread drives every connection with
// non-blocking sockets and epoll, so the client spends as little as it can per
// message and the server is what is measured.
//
// Timed mode (the default): after --warmup seconds the counters are reset and the
// next --duration seconds are measured. With --server-pid, the server's CPU time
// (utime + stime of every thread, from /proc/PID/stat) is sampled at both ends of
// that window, and with --signal-server the server also gets SIGUSR1 at both ends
// (the second one carries the number of messages, see alloc_counter.hpp).
//
// Counted mode (--messages N): exactly N round trips in total, no warm-up, then
// stop. Used to run a server under callgrind twice with different counts, so that
// the difference is the cost of the messages alone. --duration is then a limit.
//
// Idle mode (--idle): every connection makes exactly one round trip, so that each
// server connection has read, echoed and gone back to waiting in a read; then the
// line "idle connections=N ..." is printed and the connections are held open, idle,
// until SIGTERM or SIGINT ends the process or --duration seconds have passed. Used
// to measure the server's memory per idle connection while they are held.
//
// Connections are opened one at a time with a blocking connect, which paces them:
// when the server's accept queue is full, the kernel drops the handshake and the
// connect waits for the retransmission instead of failing. Every connection needs a
// descriptor here and another in the server: raise `ulimit -n` for many of them.
//
// The result is one line of key=value pairs on stdout. The client only ever
// connects to 127.0.0.1 and always stops by itself.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using u64 = std::uint64_t;

u64 now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<u64>(ts.tv_sec) * 1'000'000'000u + static_cast<u64>(ts.tv_nsec);
}

// Latencies in nanoseconds, in log-linear buckets: for each power of two, 32 equal
// sub-buckets, so a bucket is at most ~3% wide. Fixed size: recording is an index
// computation and an increment, nothing is allocated while measuring.
class histogram {
public:
    void record(u64 ns) noexcept {
        ++counts_[index(ns)];
        ++total_;
    }
    void reset() noexcept {
        counts_.fill(0);
        total_ = 0;
    }
    u64 total() const noexcept { return total_; }

    // The upper edge of the bucket that holds the q-quantile (0 < q <= 1).
    u64 quantile(double q) const noexcept {
        if (total_ == 0) return 0;
        const auto rank = static_cast<u64>(std::round(q * static_cast<double>(total_)));
        const u64 wanted = std::clamp<u64>(rank, 1, total_);
        u64 seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen >= wanted) return upper_edge(i);
        }
        return upper_edge(counts_.size() - 1);
    }

private:
    static constexpr unsigned sub_bits = 5;
    static constexpr u64 sub_count = u64{1} << sub_bits;
    static constexpr unsigned magnitudes = 64 - sub_bits;

    static std::size_t index(u64 v) noexcept {
        if (v < sub_count) return static_cast<std::size_t>(v);
        const unsigned msb = 63u - static_cast<unsigned>(__builtin_clzll(v));
        const unsigned shift = msb - sub_bits;
        const u64 sub = (v >> shift) - sub_count;  // the bits below the top one
        return static_cast<std::size_t>((shift + 1) * sub_count + sub);
    }
    static u64 upper_edge(std::size_t i) noexcept {
        if (i < sub_count) return i;
        const u64 shift = i / sub_count - 1;
        const u64 sub = i % sub_count;
        return ((sub_count + sub + 1) << shift) - 1;
    }

    std::array<u64, (magnitudes + 1) * sub_count> counts_{};
    u64 total_ = 0;
};

// utime + stime of a process, all threads, in seconds; negative when unreadable.
double process_cpu_seconds(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    FILE* f = std::fopen(path, "r");
    if (!f) return -1.0;
    char line[1024];
    const bool ok = std::fgets(line, sizeof line, f) != nullptr;
    std::fclose(f);
    if (!ok) return -1.0;
    // The command name (field 2) is in parentheses and may contain spaces: start
    // after the last ')'. Then field 3 (state) comes first; utime is field 14.
    const char* p = std::strrchr(line, ')');
    if (!p) return -1.0;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                    &stime) != 2) {
        return -1.0;
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto secs = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return secs(ru.ru_utime) + secs(ru.ru_stime);
}

struct options {
    std::uint16_t port = 0;
    int connections = 1;
    std::size_t message_size = 64;
    double duration = 5.0;
    double warmup = 1.0;
    int server_pid = 0;
    bool signal_server = false;
    u64 messages = 0;   // counted mode when > 0
    bool idle = false;  // idle mode: one round trip per connection, then hold them
};

struct connection {
    int fd = -1;
    u64 round = 0;  // selects the byte pattern of the current message
    std::size_t sent = 0;
    std::size_t received = 0;
    u64 started_ns = 0;
    bool in_flight = false;
    bool want_write = false;  // EPOLLOUT registered (a partial send is pending)
};

class load_generator {
public:
    explicit load_generator(const options& o)
        : opt_(o),
          out_(o.message_size),
          in_(o.message_size),
          conns_(static_cast<std::size_t>(o.connections)) {}

    ~load_generator() {
        for (connection& c : conns_) {
            if (c.fd >= 0) ::close(c.fd);
        }
        if (epoll_ >= 0) ::close(epoll_);
    }

    int run();
    int run_idle();
    bool serve_events(std::array<epoll_event, 256>& events, std::uint64_t wait_ns);

private:
    bool open_all();
    void start_round(std::size_t i);
    void on_writable(std::size_t i);
    void on_readable(std::size_t i);
    void fail(std::size_t i, const char* what, int err);
    void set_events(std::size_t i, bool want_write);
    void fill(u64 conn_index, u64 round, unsigned char* p) const noexcept;
    void begin_window(u64 t);
    void end_window(u64 t);
    void print(u64 elapsed_ns) const;

    options opt_;
    std::vector<unsigned char> out_;
    std::vector<unsigned char> in_;
    std::vector<connection> conns_;
    int epoll_ = -1;
    int open_ = 0;

    histogram latency_;
    u64 completed_ = 0;  // round trips finished in the current window (or in total)
    u64 issued_ = 0;     // counted mode: round trips started
    u64 errors_ = 0;
    u64 mismatches_ = 0;
    bool measuring_ = false;
    bool stopping_ = false;

    // The window.
    u64 window_start_ns_ = 0;
    u64 window_end_ns_ = 0;
    double srv_cpu_start_ = -1.0;
    double srv_cpu_end_ = -1.0;
    double self_cpu_start_ = 0.0;
    double self_cpu_end_ = 0.0;
    u64 window_messages_ = 0;
    bool complete_ = false;
};

void load_generator::fill(u64 conn_index, u64 round, unsigned char* p) const noexcept {
    // A pattern that differs per connection and per round, so a reply that was
    // meant for another connection or an earlier round does not pass the check.
    const u64 seed = conn_index * 0x9E3779B97F4A7C15ull + round * 0xBF58476D1CE4E5B9ull;
    for (std::size_t k = 0; k < opt_.message_size; ++k) {
        p[k] = static_cast<unsigned char>((seed >> ((k % 8) * 8)) + k);
    }
}

bool load_generator::open_all() {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) {
        std::perror("interop-bench-loadgen: epoll_create1");
        return false;
    }
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(opt_.port);
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // 127.0.0.1, and nothing else
    for (std::size_t i = 0; i < conns_.size(); ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            std::perror("interop-bench-loadgen: socket");
            return false;
        }
        conns_[i].fd = fd;
        // A blocking connect: on loopback the handshake completes in the kernel
        // whether or not the server has called accept() yet (within its backlog).
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
            std::fprintf(stderr, "interop-bench-loadgen: connect to 127.0.0.1:%u: %s\n",
                         static_cast<unsigned>(opt_.port), std::strerror(errno));
            return false;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            std::perror("interop-bench-loadgen: epoll_ctl");
            return false;
        }
        ++open_;
    }
    return true;
}

void load_generator::set_events(std::size_t i, bool want_write) {
    connection& c = conns_[i];
    if (c.want_write == want_write) return;
    c.want_write = want_write;
    epoll_event ev{};
    ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
    ev.data.u64 = i;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
}

void load_generator::fail(std::size_t i, const char* what, int err) {
    connection& c = conns_[i];
    if (c.fd < 0) return;
    ++errors_;
    if (errors_ <= 5) {
        std::fprintf(stderr, "interop-bench-loadgen: connection %zu: %s%s%s\n", i, what,
                     err ? ": " : "", err ? std::strerror(err) : "");
    }
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    c.in_flight = false;
    --open_;
}

void load_generator::start_round(std::size_t i) {
    connection& c = conns_[i];
    if (opt_.messages > 0) {
        if (issued_ >= opt_.messages) return;
        ++issued_;
    }
    ++c.round;
    c.sent = 0;
    c.received = 0;
    c.in_flight = true;
    c.started_ns = now_ns();
    on_writable(i);
}

void load_generator::on_writable(std::size_t i) {
    connection& c = conns_[i];
    if (!c.in_flight || c.sent == opt_.message_size) return;
    // The message is generated into the shared output buffer for every send: with
    // one thread, no other connection uses it in between.
    fill(i, c.round, out_.data());
    while (c.sent < opt_.message_size) {
        const ssize_t n =
            ::send(c.fd, out_.data() + c.sent, opt_.message_size - c.sent, MSG_NOSIGNAL);
        if (n > 0) {
            c.sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(i, true);
            return;
        }
        return fail(i, "send", n < 0 ? errno : 0);
    }
    set_events(i, false);
}

void load_generator::on_readable(std::size_t i) {
    connection& c = conns_[i];
    for (;;) {
        if (c.fd < 0) return;
        const std::size_t want = opt_.message_size - c.received;
        // Read at most the rest of this message: a server never sends more.
        const ssize_t n = ::recv(c.fd, in_.data() + c.received, want == 0 ? 1 : want, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0) return fail(i, "recv", errno);
        if (n == 0) return fail(i, "server closed the connection", 0);
        if (!c.in_flight || want == 0) return fail(i, "server sent bytes nobody asked for", 0);
        c.received += static_cast<std::size_t>(n);
        if (c.received < opt_.message_size) continue;

        // A whole message came back: check every byte.
        fill(i, c.round, out_.data());
        if (std::memcmp(out_.data(), in_.data(), opt_.message_size) != 0) {
            ++mismatches_;
            return fail(i, "reply differs from the message", 0);
        }
        const u64 t = now_ns();
        c.in_flight = false;
        if (measuring_) {
            latency_.record(t - c.started_ns);
            ++completed_;
        }
        if (!stopping_ && !opt_.idle) start_round(i);
        return;
    }
}

void load_generator::begin_window(u64 t) {
    latency_.reset();
    completed_ = 0;
    errors_ = 0;
    mismatches_ = 0;
    measuring_ = true;
    window_start_ns_ = t;
    self_cpu_start_ = self_cpu_seconds();
    if (opt_.server_pid > 0) {
        srv_cpu_start_ = process_cpu_seconds(opt_.server_pid);
        if (opt_.signal_server) {
            sigval v{};
            v.sival_int = 0;  // 0: a window starts
            sigqueue(opt_.server_pid, SIGUSR1, v);
        }
    }
}

void load_generator::end_window(u64 t) {
    measuring_ = false;
    window_end_ns_ = t;
    window_messages_ = completed_;
    self_cpu_end_ = self_cpu_seconds();
    if (opt_.server_pid > 0) {
        srv_cpu_end_ = process_cpu_seconds(opt_.server_pid);
        if (opt_.signal_server) {
            sigval v{};
            // > 0: the window ends after this many messages.
            v.sival_int = static_cast<int>(std::clamp<u64>(completed_, 1, 0x7fffffff));
            sigqueue(opt_.server_pid, SIGUSR1, v);
        }
    }
}

int load_generator::run() {
    if (!open_all()) return 1;

    const u64 t0 = now_ns();
    const bool counted = opt_.messages > 0;
    const auto secs = [](double s) { return static_cast<u64>(s * 1e9); };
    const u64 measure_at = counted ? t0 : t0 + secs(opt_.warmup);
    const u64 stop_at = measure_at + secs(opt_.duration);

    if (counted || opt_.warmup <= 0) begin_window(t0);
    for (std::size_t i = 0; i < conns_.size(); ++i) start_round(i);

    std::array<epoll_event, 256> events{};
    for (;;) {
        const u64 t = now_ns();
        if (!measuring_ && !counted && t >= measure_at && window_start_ns_ == 0) begin_window(t);
        if (counted && completed_ >= opt_.messages) {
            complete_ = true;
            end_window(t);
            break;
        }
        if (t >= stop_at) {
            complete_ = !counted;
            end_window(t);
            break;
        }
        if (open_ == 0) {  // every connection failed
            end_window(t);
            break;
        }
        // Wake up for the next phase change at the latest, and at least every 100 ms.
        const u64 next = (!measuring_ && !counted) ? measure_at : stop_at;
        const u64 wait_ns = next > t ? std::min<u64>(next - t, 100'000'000u) : 0;
        if (!serve_events(events, wait_ns)) return 1;
    }
    stopping_ = true;
    print(window_end_ns_ - window_start_ns_);
    const bool ok = errors_ == 0 && window_messages_ > 0 && (complete_ || !counted);
    return ok ? 0 : 1;
}

// Waits up to `wait_ns` for events and serves them. False when epoll_wait fails (an
// interruption by a signal is no failure: nothing is served then).
bool load_generator::serve_events(std::array<epoll_event, 256>& events, u64 wait_ns) {
    const int timeout_ms = static_cast<int>((wait_ns + 999'999u) / 1'000'000u);
    const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0) {
        if (errno == EINTR) return true;
        std::perror("interop-bench-loadgen: epoll_wait");
        return false;
    }
    for (int k = 0; k < n; ++k) {
        const auto i = static_cast<std::size_t>(events[static_cast<std::size_t>(k)].data.u64);
        const std::uint32_t e = events[static_cast<std::size_t>(k)].events;
        if (conns_[i].fd < 0) continue;
        if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(i);
        if (conns_[i].fd >= 0 && (e & EPOLLOUT)) on_writable(i);
    }
    return true;
}

int load_generator::run_idle() {
    const u64 t0 = now_ns();
    if (!open_all()) return 1;
    const u64 opened = now_ns();
    const u64 stop_at = t0 + static_cast<u64>(opt_.duration * 1e9);

    measuring_ = true;  // counts the round trips in completed_
    for (std::size_t i = 0; i < conns_.size(); ++i) start_round(i);
    std::array<epoll_event, 256> events{};
    bool announced = false;
    for (;;) {
        const u64 t = now_ns();
        if (!announced && (completed_ == conns_.size() || open_ == 0)) {
            announced = true;
            measuring_ = false;
            std::printf("idle connections=%d message_size=%zu round_trips=%" PRIu64
                        " open_seconds=%.3f ready_seconds=%.3f errors=%" PRIu64 "\n",
                        opt_.connections, opt_.message_size, completed_,
                        static_cast<double>(opened - t0) / 1e9, static_cast<double>(t - t0) / 1e9,
                        errors_);
            std::fflush(stdout);
            if (errors_ != 0) return 1;
        }
        if (t >= stop_at) break;
        // While the connections are held, any event is the server closing one or
        // sending bytes nobody asked for: on_readable reports it as an error.
        if (!serve_events(events, std::min<u64>(stop_at - t, 100'000'000u))) return 1;
    }
    if (!announced) {
        std::fprintf(stderr,
                     "interop-bench-loadgen: only %" PRIu64 " of %d round trips within %.1f s\n",
                     completed_, opt_.connections, opt_.duration);
        return 1;
    }
    return errors_ == 0 ? 0 : 1;
}

void load_generator::print(u64 elapsed_ns) const {
    const double secs = static_cast<double>(elapsed_ns) / 1e9;
    const double msgs = static_cast<double>(window_messages_);
    std::printf("loadgen connections=%d message_size=%zu mode=%s seconds=%.3f messages=%" PRIu64
                " msgs_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f errors=%" PRIu64,
                opt_.connections, opt_.message_size, opt_.messages > 0 ? "counted" : "timed", secs,
                window_messages_, secs > 0 ? msgs / secs : 0.0,
                static_cast<double>(latency_.quantile(0.50)) / 1e3,
                static_cast<double>(latency_.quantile(0.99)) / 1e3,
                static_cast<double>(latency_.quantile(0.999)) / 1e3, errors_);
    if (opt_.messages > 0) std::printf(" complete=%d", complete_ ? 1 : 0);
    if (opt_.server_pid > 0 && srv_cpu_start_ >= 0 && srv_cpu_end_ >= 0 && window_messages_ > 0) {
        const double srv = srv_cpu_end_ - srv_cpu_start_;
        std::printf(" srv_cpu_pct=%.1f srv_cpu_us_per_msg=%.3f",
                    secs > 0 ? 100.0 * srv / secs : 0.0, srv * 1e6 / msgs);
    }
    if (secs > 0) std::printf(" lg_cpu_pct=%.1f", 100.0 * (self_cpu_end_ - self_cpu_start_) / secs);
    std::printf("\n");
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"TCP ping-pong load generator for the interop echo benchmarks (127.0.0.1 only)."};
    options opt;
    app.add_option("-p,--port", opt.port, "server port on 127.0.0.1")->required();
    app.add_option("-c,--connections", opt.connections, "concurrent connections")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    app.add_option("-m,--message-size", opt.message_size, "bytes per message")
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 20));
    app.add_option("-d,--duration", opt.duration,
                   "seconds measured (with --messages: the time limit)")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 3600.0));
    app.add_option("-w,--warmup", opt.warmup, "seconds of warm-up before measuring")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 600.0));
    app.add_option("-P,--server-pid", opt.server_pid,
                   "server process: report its CPU time per message")
        ->check(CLI::PositiveNumber);
    app.add_flag("--signal-server", opt.signal_server,
                 "send SIGUSR1 to the server at the start and end of the measured window "
                 "(the second one carries the message count); needs --server-pid and a server "
                 "started with --count-allocations");
    app.add_option("-n,--messages", opt.messages,
                   "counted mode: exactly this many round trips in total, no warm-up, then stop");
    app.add_flag("--idle", opt.idle,
                 "idle mode: one round trip per connection, print an \"idle\" line, then hold "
                 "the connections open until SIGTERM or --duration seconds (the limit)");
    CLI11_PARSE(app, argc, argv);
    if (opt.signal_server && opt.server_pid <= 0) {
        std::fprintf(stderr, "interop-bench-loadgen: --signal-server needs --server-pid\n");
        return 2;
    }
    if (opt.port == 0) {
        std::fprintf(stderr, "interop-bench-loadgen: --port must not be 0\n");
        return 2;
    }

    if (opt.idle && (opt.messages > 0 || opt.signal_server)) {
        std::fprintf(stderr,
                     "interop-bench-loadgen: --idle goes with neither --messages nor "
                     "--signal-server\n");
        return 2;
    }

    load_generator lg(opt);
    return opt.idle ? lg.run_idle() : lg.run();
}
