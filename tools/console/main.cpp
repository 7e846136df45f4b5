// interop-console: a live view of the tasks of a program that serves one with
// interop::debug::serve_console, like tokio-console.
//
//   interop-console --socket /tmp/app.sock              # redraws until q or Ctrl-C
//   interop-console --socket /tmp/app.sock --once       # one view, printed
//   interop-console --socket /tmp/app.sock --once --request json
//
// It asks the program for a view each interval over the Unix socket (one request per
// connection) and redraws the terminal with it, cut to the terminal's size. While the
// program is not there it says so and keeps asking. It needs no runtime: plain
// blocking sockets are enough for a client that asks a few times a second.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

volatile std::sig_atomic_t interrupted = 0;
void on_interrupt(int) { interrupted = 1; }

// How long a request may take: a program whose loop is held answers late or never,
// and the console must still redraw and quit.
constexpr int answer_seconds = 2;

// One request: connect, send the line, read to the end. The answer, or the error.
std::optional<std::string> ask(const std::string& path, const std::string& request,
                               std::string& error) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        error = "the socket path is too long";
        return std::nullopt;
    }
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } closing{fd};
    const timeval limit{answer_seconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        error = "cannot connect to " + path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    const std::string line = request + "\n";
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
        error = std::string("cannot send the request: ") + std::strerror(errno);
        return std::nullopt;
    }
    std::string answer;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR && interrupted == 0) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            error = "no answer within " + std::to_string(answer_seconds) +
                    " s (a task may be holding the program's loop)";
            return std::nullopt;
        }
        if (n < 0) {
            error = std::string("cannot read the answer: ") + std::strerror(errno);
            return std::nullopt;
        }
        if (n == 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    return answer;
}

struct terminal_size {
    std::size_t rows = 24;
    std::size_t columns = 80;
};

terminal_size size_of_terminal() {
    terminal_size size;
    winsize w{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_row > 0 && w.ws_col > 0) {
        size.rows = w.ws_row;
        size.columns = w.ws_col;
    }
    return size;
}

// The screen: a heading, then the view's lines, each cut to the width, as many as fit.
std::string frame(const std::string& path, const std::string& body, terminal_size size) {
    char clock[16];
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    std::strftime(clock, sizeof clock, "%H:%M:%S", &local);
    std::vector<std::string> lines;
    lines.push_back(std::string("interop-console  ") + path + "  " + clock + "  (q: quit)");
    lines.emplace_back();
    std::size_t start = 0;
    while (start < body.size()) {
        std::size_t end = body.find('\n', start);
        if (end == std::string::npos) end = body.size();
        lines.push_back(body.substr(start, end - start));
        start = end + 1;
    }
    std::string out = "\x1b[H\x1b[2J";  // home, clear
    for (std::size_t i = 0; i < lines.size() && i + 1 < size.rows; ++i) {
        out += lines[i].substr(0, size.columns);
        out += "\r\n";
    }
    return out;
}

// The terminal without line buffering or echo while the view runs; put back after.
class raw_keys {
public:
    raw_keys() {
        if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios raw = saved_;
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    ~raw_keys() {
        if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }
    raw_keys(const raw_keys&) = delete;
    raw_keys& operator=(const raw_keys&) = delete;

    // Waits up to `wait` for a key; true when it is q (or standard input ended).
    static bool quit_within(std::chrono::milliseconds wait) {
        pollfd in{STDIN_FILENO, POLLIN, 0};
        if (::poll(&in, 1, static_cast<int>(wait.count())) <= 0) return false;
        char key = 0;
        const ssize_t n = ::read(STDIN_FILENO, &key, 1);
        return n == 0 || (n == 1 && (key == 'q' || key == 'Q'));
    }

private:
    termios saved_{};
    bool active_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "A live view of the tasks of a program that serves interop::debug::serve_console."};
    std::string path;
    bool once = false;
    std::string request = "view";
    int interval_ms = 500;
    app.add_option("-s,--socket", path, "the Unix socket the program serves the console on")
        ->required();
    app.add_flag("--once", once,
                 "print one answer and exit (status 1 if the program is not there)");
    app.add_option("-r,--request", request, "what to ask for: view, json or metrics")
        ->capture_default_str()
        ->check(CLI::IsMember({"view", "json", "metrics"}));
    app.add_option("-i,--interval", interval_ms, "milliseconds between two views")
        ->capture_default_str()
        ->check(CLI::Range(50, 60000));
    CLI11_PARSE(app, argc, argv);

    std::string error;
    if (once) {
        const std::optional<std::string> answer = ask(path, request, error);
        if (!answer) {
            std::fprintf(stderr, "interop-console: %s\n", error.c_str());
            return 1;
        }
        std::fwrite(answer->data(), 1, answer->size(), stdout);
        return 0;
    }

    // Without SA_RESTART: Ctrl-C interrupts a request that waits for an answer.
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    ::sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    const raw_keys keys;
    std::fputs("\x1b[?25l", stdout);  // no cursor while redrawing
    while (interrupted == 0) {
        const std::optional<std::string> answer = ask(path, request, error);
        const std::string body =
            answer ? *answer : "not connected: " + error + "\n(asking again every interval)\n";
        const std::string screen = frame(path, body, size_of_terminal());
        std::fwrite(screen.data(), 1, screen.size(), stdout);
        std::fflush(stdout);
        if (raw_keys::quit_within(std::chrono::milliseconds(interval_ms))) break;
    }
    std::fputs("\x1b[?25h\r\n", stdout);
    return 0;
}
