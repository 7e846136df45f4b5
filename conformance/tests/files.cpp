// Files and directories (interop/file.hpp): open modes, reads and writes at the
// position and at an offset, whole-file helpers, metadata, directories, the errors
// every runtime reports alike, close, and what cancellation does to a call that runs
// on the blocking pool. Each test works in a fresh temporary directory.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interop/conformance/loopback.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;
namespace fs = std::filesystem;

namespace {

// A directory of its own for one test, removed with everything in it afterwards.
struct temp_dir {
    temp_dir() {
        std::string pattern = (fs::temp_directory_path() / "interop-files-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~temp_dir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string operator/(std::string_view name) const { return path + "/" + std::string(name); }
    std::string path;
};

// What a file holds, read without interop.
std::string contents(const std::string& path) {
    std::string all;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    std::array<char, 4096> chunk{};
    for (;;) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        REQUIRE(n >= 0);
        if (n == 0) break;
        all.append(chunk.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return all;
}

task<file> opened(std::string path, open_options options) {
    auto f = co_await file::open(std::move(path), options);
    REQUIRE(f.has_value());
    co_return std::move(*f);
}

task<void> write_text(file& f, std::string_view text) {
    auto n = co_await write_all(f, std::as_bytes(std::span(text)));
    REQUIRE(n.has_value());
}

// A read or a write may move fewer bytes than asked (the chaos runtime makes sure of
// it): these carry on at the next offset until done, or until the end of the file.
task<void> write_all_at(file& f, std::uint64_t offset, std::string_view text) {
    while (!text.empty()) {
        auto n = co_await f.write_at(offset, std::as_bytes(std::span(text)));
        REQUIRE(n.value() > 0);
        offset += *n;
        text.remove_prefix(*n);
    }
}

task<std::string> read_all_at(file& f, std::uint64_t offset, std::size_t most) {
    std::string got(most, '\0');
    std::size_t filled = 0;
    while (filled < most) {
        auto n = co_await f.read_at(offset + filled,
                                    std::as_writable_bytes(std::span(got).subspan(filled)));
        if (n.value() == 0) break;
        filled += *n;
    }
    got.resize(filled);
    co_return got;
}

}  // namespace

TEST_CASE(
    "file: what is written reads back after reopening; a read at the end of the file gives 0") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        const std::string path = dir / "a.txt";
        {
            auto made = co_await file::create(path);
            REQUIRE(made.has_value());
            co_await write_text(*made, "hello, file");
            CHECK((co_await made->close()).has_value());
        }
        auto f = co_await file::open(path);
        REQUIRE(f.has_value());
        std::string all;
        CHECK((co_await read_to_end(*f, all)).value() == 11);
        CHECK(all == "hello, file");
        std::array<char, 8> buffer{};
        CHECK((co_await f->read(buffer)).value() == 0);
        CHECK((co_await f->read(buffer)).value() == 0);
    });
    CHECK(contents(dir / "a.txt") == "hello, file");
}

TEST_CASE(
    "file: append writes at the end, truncate empties, create_new on an existing path is "
    "file_exists, and contradictory options are invalid_argument") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        const std::string path = dir / "log";
        CHECK((co_await write_file(path, std::string_view("one\n"))).has_value());
        {
            file log = co_await opened(path, open_options().append(true));
            co_await write_text(log, "two\n");
        }
        CHECK(contents(path) == "one\ntwo\n");
        {
            file again = co_await opened(path, open_options().write(true).truncate(true));
            CHECK((co_await again.metadata()).value().size == 0);
        }
        CHECK(contents(path).empty());
        auto exists = co_await file::open(path, open_options().write(true).create_new(true));
        CHECK(exists.is(std::errc::file_exists));
        {
            file made = co_await opened(dir / "new",
                                        open_options().write(true).create_new(true).mode(0600));
            co_await write_text(made, "fresh");
        }
        CHECK(contents(dir / "new") == "fresh");
        const fs::perms made_with = (co_await metadata(dir / "new")).value().permissions;
        CHECK((made_with & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
        // Nothing to do, truncate or create without writing, append with truncate.
        CHECK((co_await file::open(path, open_options())).is(std::errc::invalid_argument));
        CHECK((co_await file::open(path, open_options().read(true).truncate(true)))
                  .is(std::errc::invalid_argument));
        CHECK((co_await file::open(dir / "x", open_options().read(true).create(true)))
                  .is(std::errc::invalid_argument));
        CHECK((co_await file::open(path, open_options().append(true).truncate(true)))
                  .is(std::errc::invalid_argument));
        CHECK(!fs::exists(dir / "x"));
        // Opening for reading does not make a file.
        CHECK((co_await file::open(dir / "missing")).is(std::errc::no_such_file_or_directory));
        CHECK(!fs::exists(dir / "missing"));
    });
}

TEST_CASE(
    "file: read_at and write_at use their offset and leave the position alone; seek and "
    "position move and report it") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        file f = co_await opened(dir / "f", open_options().read(true).write(true).create(true));
        co_await write_text(f, "0123456789");
        CHECK((co_await f.position()).value() == 10);
        co_await write_all_at(f, 2, "ab");
        CHECK((co_await f.position()).value() == 10);
        CHECK((co_await read_all_at(f, 1, 4)) == "1ab4");
        std::array<std::byte, 4> four{};
        CHECK((co_await f.read_at(10, four)).value() == 0);  // at the end
        CHECK((co_await read_all_at(f, 8, 4)) == "89");      // what there is
        CHECK((co_await f.position()).value() == 10);
        CHECK((co_await f.seek(3, seek_origin::start)).value() == 3);
        std::array<char, 3> three{};
        CHECK((co_await read_exact(f, std::as_writable_bytes(std::span(three)))).value() == 3);
        CHECK(std::string_view(three.data(), 3) == "b45");
        CHECK((co_await f.position()).value() == 6);
        CHECK((co_await f.seek(-2, seek_origin::end)).value() == 8);
        CHECK((co_await f.seek(1, seek_origin::current)).value() == 9);
        CHECK((co_await f.seek(-20, seek_origin::current)).is(std::errc::invalid_argument));
        // Writing past the end leaves a hole of zeros.
        CHECK((co_await f.write_at(12, std::as_bytes(std::span(std::string_view("z"))))).value() ==
              1);
        CHECK((co_await f.metadata()).value().size == 13);
    });
    CHECK(contents(dir / "f") == std::string("01ab456789\0\0z", 13));
}

TEST_CASE(
    "file: copy_file copies every byte and the permission bits, makes a longer file exactly the "
    "source, leaves a file copied onto itself as it was, and refuses what is no regular file") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    const std::string fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    conf::run([&]() -> task<void> {
        // More than two buffers, and not a multiple of one.
        const std::size_t size = 2 * copy_file_buffer_size + 4321;
        const std::vector<std::byte> data = conf::pattern(3, size);
        const std::string source = dir / "source";
        CHECK((co_await write_file(source, data)).has_value());
        fs::permissions(source, fs::perms::owner_read | fs::perms::owner_write |
                                    fs::perms::owner_exec | fs::perms::group_read);
        CHECK((co_await copy_file(source, dir / "copy")).value() == size);
        CHECK((co_await read_file_bytes(dir / "copy")).value() == data);
        const auto kept = fs::status(dir / "copy").permissions() & fs::perms::owner_exec;
        CHECK(kept == fs::perms::owner_exec);

        CHECK((co_await write_file(dir / "longer", std::string(size + 999, 'x'))).has_value());
        CHECK((co_await copy_file(source, dir / "longer")).value() == size);
        CHECK((co_await read_file_bytes(dir / "longer")).value() == data);

        CHECK((co_await copy_file(source, source)).value() == size);
        CHECK((co_await read_file_bytes(source)).value() == data);

        CHECK((co_await write_file(dir / "empty", std::string_view())).has_value());
        CHECK((co_await copy_file(dir / "empty", dir / "copy")).value() == 0);
        CHECK(fs::file_size(dir / "copy") == 0);

        CHECK((co_await copy_file(dir / "missing", dir / "never"))
                  .is(std::errc::no_such_file_or_directory));
        CHECK((co_await copy_file(dir.path, dir / "never")).is(std::errc::is_a_directory));
        CHECK((co_await copy_file(fifo, dir / "never")).is(std::errc::invalid_argument));
        CHECK(
            (co_await copy_file(source, dir / "no/such")).is(std::errc::no_such_file_or_directory));
    });
    CHECK(!fs::exists(dir / "never"));
}

TEST_CASE("file: write_file and read_file round-trip a few MiB, every byte checked") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        constexpr std::size_t size = (3u << 20) + 12345;
        const std::vector<std::byte> data = conf::pattern(7, size);
        const std::string path = dir / "big";
        CHECK((co_await write_file(path, data)).has_value());
        auto bytes = co_await read_file_bytes(path);
        CHECK(bytes.value() == data);
        auto text = co_await read_file(path);
        REQUIRE(text.value().size() == size);
        CHECK(std::memcmp(text->data(), data.data(), size) == 0);
        // Overwriting makes the file exactly the new content.
        CHECK((co_await write_file(path, std::string_view("short"))).has_value());
        CHECK((co_await read_file(path)).value() == "short");
        CHECK((co_await write_file(dir / "empty", std::string_view())).has_value());
        CHECK((co_await read_file(dir / "empty")).value().empty());
    });
}

TEST_CASE(
    "file: metadata reports size, type, permissions and modification time; set_len cuts and "
    "extends; sync_all and sync_data succeed") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        const std::string path = dir / "m";
        const auto before = std::chrono::system_clock::now() - 5s;
        file f =
            co_await opened(path, open_options().read(true).write(true).create(true).mode(0640));
        co_await write_text(f, "12345678");
        CHECK((co_await f.sync_all()).has_value());
        CHECK((co_await f.sync_data()).has_value());
        auto about = (co_await f.metadata()).value();
        CHECK(about.size == 8);
        CHECK(about.is_file());
        CHECK(!about.is_directory());
        CHECK((about.permissions & fs::perms::all) ==
              (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
        CHECK(about.modified >= before);
        CHECK(about.modified <= std::chrono::system_clock::now() + 5s);
        CHECK((co_await f.set_len(3)).has_value());
        CHECK((co_await metadata(path)).value().size == 3);
        CHECK((co_await f.set_len(6)).has_value());
        CHECK((co_await f.metadata()).value().size == 6);
        CHECK((co_await f.close()).has_value());
        CHECK(contents(path) == std::string("123\0\0\0", 6));
        auto of_dir = (co_await metadata(dir.path)).value();
        CHECK(of_dir.is_directory());
        fs::create_symlink(path, dir / "link");
        CHECK((co_await metadata(dir / "link")).value().is_file());
        CHECK((co_await symlink_metadata(dir / "link")).value().is_symlink());
        CHECK((co_await metadata(dir / "nothing")).is(std::errc::no_such_file_or_directory));
    });
}

TEST_CASE(
    "file: directories are made, listed with names and types, renamed into and removed; "
    "removing one that is not empty fails") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        CHECK((co_await create_directory(dir / "d")).has_value());
        CHECK((co_await create_directory(dir / "d")).is(std::errc::file_exists));
        CHECK(
            (co_await create_directory(dir / "no/such")).is(std::errc::no_such_file_or_directory));
        CHECK((co_await create_directories(dir / "p/q/r")).has_value());
        CHECK((co_await create_directories(dir / "p/q/r")).has_value());  // there already
        CHECK((co_await write_file(dir / "d/one", std::string_view("1"))).has_value());
        CHECK((co_await create_directory(dir / "d/sub")).has_value());
        fs::create_symlink("one", dir / "d/link");
        CHECK((co_await create_directories(dir / "d/one/x")).is(std::errc::not_a_directory));

        auto listed = (co_await read_directory(dir / "d")).value();
        std::sort(
            listed.begin(), listed.end(),
            [](const directory_entry& a, const directory_entry& b) { return a.name < b.name; });
        REQUIRE(listed.size() == 3);
        CHECK(listed[0].name == "link");
        CHECK(listed[0].type == file_type::symlink);
        CHECK(listed[1].name == "one");
        CHECK(listed[1].type == file_type::regular);
        CHECK(listed[2].name == "sub");
        CHECK(listed[2].type == file_type::directory);
        CHECK((co_await read_directory(dir / "p/q/r")).value().empty());
        CHECK((co_await read_directory(dir / "none")).is(std::errc::no_such_file_or_directory));
        CHECK((co_await read_directory(dir / "d/one")).is(std::errc::not_a_directory));

        CHECK((co_await rename(dir / "d/one", dir / "p/two")).has_value());
        CHECK((co_await read_file(dir / "p/two")).value() == "1");
        CHECK((co_await rename(dir / "d/one", dir / "p/three"))
                  .is(std::errc::no_such_file_or_directory));
        CHECK((co_await remove_directory(dir / "d")).is(std::errc::directory_not_empty));
        CHECK((co_await remove_file(dir / "d/sub")).is(std::errc::is_a_directory));
        CHECK((co_await remove_file(dir / "d/link")).has_value());
        CHECK((co_await remove_directory(dir / "d/sub")).has_value());
        CHECK((co_await remove_directory(dir / "d")).has_value());
        CHECK((co_await remove_file(dir / "p/two")).has_value());
        CHECK((co_await remove_file(dir / "p/two")).is(std::errc::no_such_file_or_directory));
        CHECK((co_await remove_directory(dir / "p/two")).is(std::errc::no_such_file_or_directory));
    });
    CHECK(!fs::exists(dir / "d"));
    CHECK(fs::is_directory(dir / "p/q/r"));
}

TEST_CASE(
    "file: a missing path is no_such_file_or_directory, an empty one too, and a directory "
    "opened as a file is is_a_directory in every mode") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        CHECK((co_await file::open(dir / "missing")).is(std::errc::no_such_file_or_directory));
        CHECK((co_await file::open("")).is(std::errc::no_such_file_or_directory));
        CHECK(
            (co_await file::create(dir / "no/such/dir")).is(std::errc::no_such_file_or_directory));
        CHECK((co_await read_file(dir / "missing")).is(std::errc::no_such_file_or_directory));
        CHECK((co_await file::open(std::string("a\0b", 3))).is(std::errc::invalid_argument));
        // Linux opens a directory read-only without complaint; interop never does.
        CHECK((co_await file::open(dir.path)).is(std::errc::is_a_directory));
        CHECK((co_await file::open(dir.path, open_options().write(true)))
                  .is(std::errc::is_a_directory));
        CHECK((co_await file::open(dir.path, open_options().read(true).append(true)))
                  .is(std::errc::is_a_directory));
        CHECK((co_await read_file(dir.path)).is(std::errc::is_a_directory));
    });
}

TEST_CASE(
    "file: opening a file without permission is permission_denied, except for root, who may") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    const std::string path = dir / "secret";
    {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, "s", 1) == 1);
        ::close(fd);
        REQUIRE(::chmod(path.c_str(), 0) == 0);
    }
    // Root passes every permission check: it reads the file. Anybody else is refused.
    const bool root = ::geteuid() == 0;
    conf::run([&]() -> task<void> {
        auto read = co_await read_file(path);
        auto write = co_await file::open(path, open_options().write(true));
        if (root) {
            CHECK(read.value() == "s");
            CHECK(write.has_value());
        } else {
            CHECK(read.is(std::errc::permission_denied));
            CHECK(write.is(std::errc::permission_denied));
        }
    });
}

TEST_CASE(
    "file: an empty read buffer is invalid_argument and an empty write gives 0; after close "
    "every use is bad_file_descriptor and a second close is harmless") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        file f = co_await opened(dir / "f", open_options().read(true).write(true).create(true));
        CHECK((co_await f.read(std::span<char>())).is(std::errc::invalid_argument));
        CHECK((co_await f.read_at(0, std::span<std::byte>())).is(std::errc::invalid_argument));
        CHECK((co_await f.write(std::string_view())).value() == 0);
        CHECK((co_await f.metadata()).value().size == 0);
        CHECK(f.is_open());
        CHECK((co_await f.close()).has_value());
        CHECK((co_await f.close()).has_value());
        CHECK(!f.is_open());
        std::array<char, 4> buffer{};
        CHECK((co_await f.read(buffer)).is(std::errc::bad_file_descriptor));
        CHECK((co_await f.write(std::string_view("x"))).is(std::errc::bad_file_descriptor));
        CHECK((co_await f.read_at(0, std::as_writable_bytes(std::span(buffer))))
                  .is(std::errc::bad_file_descriptor));
        CHECK((co_await f.seek(0, seek_origin::start)).is(std::errc::bad_file_descriptor));
        CHECK((co_await f.metadata()).is(std::errc::bad_file_descriptor));
        CHECK((co_await f.sync_all()).is(std::errc::bad_file_descriptor));
        CHECK((co_await f.set_len(1)).is(std::errc::bad_file_descriptor));
        file never;
        CHECK((co_await never.read(buffer)).is(std::errc::bad_file_descriptor));
        CHECK((co_await never.close()).has_value());
    });
    CHECK(contents(dir / "f").empty());
}

TEST_CASE("file: a second read while one is pending fails at once with device_or_resource_busy") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    const std::string path = dir / "fifo";
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    conf::run([&]() -> task<void> {
        // A FIFO read blocks its pool thread until there is something to read. The
        // first read to claim the file waits; the other finds it busy, and only then
        // is the byte written: so exactly one of them is busy, whatever the order.
        file f = co_await opened(path, open_options().read(true).write(true));
        file writer = co_await opened(path, open_options().write(true));
        std::atomic<int> busy{0};
        std::atomic<int> got{0};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 2; ++i) {
                s.spawn([&]() -> task<void> {
                    std::array<char, 1> one{};
                    auto n = co_await f.read(one);
                    if (n.is(std::errc::device_or_resource_busy)) {
                        busy.fetch_add(1);
                        co_await write_text(writer, "x");
                    } else {
                        CHECK(n.value() == 1);
                        CHECK(one[0] == 'x');
                        got.fetch_add(1);
                    }
                });
            }
            co_return;
        });
        CHECK(busy.load() == 1);
        CHECK(got.load() == 1);
    });
}

TEST_CASE(
    "file: a call cancelled before it starts does nothing: no file is made and no byte "
    "written") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        file f = co_await opened(dir / "kept", open_options().write(true).create(true));
        co_await with_scope([&](scope& s) -> task<void> {
            s.cancel();
            s.spawn([&]() -> task<void> {
                CHECK((co_await file::create(dir / "made")).is(std::errc::operation_canceled));
                CHECK(
                    (co_await f.write(std::string_view("lost"))).is(std::errc::operation_canceled));
                CHECK((co_await write_file(dir / "kept", std::string_view("over")))
                          .is(std::errc::operation_canceled));
                CHECK((co_await create_directory(dir / "sub")).is(std::errc::operation_canceled));
                CHECK((co_await remove_file(dir / "kept")).is(std::errc::operation_canceled));
            });
            co_return;
        });
        // The position did not move either.
        CHECK((co_await f.position()).value() == 0);
        co_await write_text(f, "after");
    });
    CHECK(!fs::exists(dir / "made"));
    CHECK(!fs::exists(dir / "sub"));
    CHECK(contents(dir / "kept") == "after");
}

TEST_CASE(
    "file: a call cancelled while pending either completes and reports what it did or does "
    "nothing; no byte is lost and the position agrees") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    const std::string fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    conf::run([&]() -> task<void> {
        // A write of a MiB cut short by an immediate deadline.
        file f = co_await opened(dir / "w", open_options().read(true).write(true).create(true));
        const std::vector<std::byte> data = conf::pattern(0, 1 << 20);
        auto wrote = co_await timeout(0ms, f.write(data));
        const std::uint64_t position = (co_await f.position()).value();
        const std::uint64_t size = (co_await f.metadata()).value().size;
        if (wrote.has_value()) {
            CHECK(*wrote > 0);
            CHECK(position == *wrote);
        } else {
            CHECK(wrote.is(std::errc::timed_out));
            CHECK(position == 0);
        }
        CHECK(size == position);

        // A read of a FIFO that waits for its bytes past the deadline: it reports them
        // when it had started, or they stay for the next read.
        file reader = co_await opened(fifo, open_options().read(true).write(true));
        file writer = co_await opened(fifo, open_options().write(true));
        std::array<char, 4> buffer{};
        io_result<std::size_t> late = std::size_t{0};
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> { late = co_await timeout(20ms, reader.read(buffer)); });
            s.spawn([&]() -> task<void> {
                (void)co_await sleep_for(200ms);
                co_await write_text(writer, "late");
            });
            co_return;
        });
        if (!late.has_value()) {
            CHECK(late.is(std::errc::timed_out));
            late = co_await read_exact(reader, std::as_writable_bytes(std::span(buffer)));
        }
        std::string got(buffer.data(), late.value());
        while (got.size() < 4) {
            auto more = co_await reader.read(buffer);
            got.append(buffer.data(), more.value());
        }
        CHECK(got == "late");
    });
}

TEST_CASE(
    "file: the byte-stream helpers work on a file: read_to_end, buffered lines, and copy into "
    "a pipe and a TCP stream") {
    INTEROP_REQUIRE_CAPABILITY(cap_files);
    temp_dir dir;
    conf::run([&]() -> task<void> {
        const std::string path = dir / "lines";
        CHECK((co_await write_file(path, std::string_view("alpha\nbeta\ngamma\n"))).has_value());
        {
            file f = co_await opened(path, open_options().read(true));
            buffered_reader<file&> lines(f);
            std::string line;
            CHECK((co_await lines.read_until(line, '\n')).value() == 6);
            CHECK(line == "alpha\n");
            line.clear();
            CHECK((co_await lines.read_until(line, '\n')).value() == 5);
            CHECK(line == "beta\n");
        }
        const std::vector<std::byte> data = conf::pattern(3, 300000);
        CHECK((co_await write_file(dir / "data", data)).has_value());
        if ((conf::current_backend().capabilities & cap_pipe) != 0) {
            auto ends = (co_await open_pipe()).value();
            auto& pipe_reader = ends.reader;
            auto& pipe_writer = ends.writer;
            std::vector<std::byte> through;
            co_await with_scope([&](scope& s) -> task<void> {
                s.spawn([&]() -> task<void> {
                    file from = co_await opened(dir / "data", open_options().read(true));
                    CHECK((co_await copy(from, pipe_writer)).value() == data.size());
                    (void)co_await pipe_writer.close();
                });
                s.spawn([&]() -> task<void> {
                    CHECK((co_await read_to_end(pipe_reader, through)).value() == data.size());
                });
                co_return;
            });
            CHECK(through == data);
        }
        auto pair = co_await conf::connect_loopback();
        auto& client = pair.client;
        auto& server = pair.server;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                file from = co_await opened(dir / "data", open_options().read(true));
                CHECK((co_await copy(from, client)).value() == data.size());
                (void)co_await client.close();
            });
            s.spawn([&]() -> task<void> {
                file to = co_await opened(dir / "copy", open_options().write(true).create(true));
                CHECK((co_await copy(server, to)).value() == data.size());
            });
            co_return;
        });
        CHECK((co_await read_file_bytes(dir / "copy")).value() == data);
    });
}
