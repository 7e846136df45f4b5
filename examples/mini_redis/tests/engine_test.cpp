// The commands' replies, byte for byte, with a clock the test moves.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "redis/engine.hpp"
#include "redis/request_parser.hpp"

namespace {

redis::unix_ms fake_now = 1'000'000;
redis::unix_ms fake_clock() noexcept { return fake_now; }

struct recorder final : redis::subscriber {
    std::string got;
    void deliver(std::string_view message) override { got += message; }
};

// Runs one inline command line and returns its reply.
std::string run(redis::engine& db, redis::session& s, std::string_view line) {
    std::vector<std::string> words;
    REQUIRE(redis::split_inline(line, words));
    std::vector<std::string_view> argv(words.begin(), words.end());
    std::string out;
    db.execute(s, argv, out);
    return out;
}

}  // namespace

TEST_CASE("strings, counters and their errors") {
    redis::engine db(fake_clock);
    redis::session s;
    CHECK(run(db, s, "PING") == "+PONG\r\n");
    CHECK(run(db, s, "ping hi") == "$2\r\nhi\r\n");
    CHECK(run(db, s, "ping a b") == "-ERR wrong number of arguments for 'ping' command\r\n");
    CHECK(run(db, s, "GET k") == "$-1\r\n");
    CHECK(run(db, s, "SET k v") == "+OK\r\n");
    CHECK(run(db, s, "get k") == "$1\r\nv\r\n");
    CHECK(run(db, s, "SET k w NX") == "$-1\r\n");
    CHECK(run(db, s, "SET k w XX GET") == "$1\r\nv\r\n");
    CHECK(run(db, s, "SET k w NX XX") == "-ERR syntax error\r\n");
    CHECK(run(db, s, "SET k w EX 0") == "-ERR invalid expire time in 'set' command\r\n");
    CHECK(run(db, s, "SET k w EX x") == "-ERR value is not an integer or out of range\r\n");
    CHECK(run(db, s, "SET k w EX 1 PX 1") == "-ERR syntax error\r\n");
    CHECK(run(db, s, "SET k") == "-ERR wrong number of arguments for 'set' command\r\n");
    CHECK(run(db, s, "INCR k") == "-ERR value is not an integer or out of range\r\n");
    CHECK(run(db, s, "INCR n") == ":1\r\n");
    CHECK(run(db, s, "DECR n") == ":0\r\n");
    CHECK(run(db, s, "SET n 9223372036854775807") == "+OK\r\n");
    CHECK(run(db, s, "INCR n") == "-ERR increment or decrement would overflow\r\n");
    CHECK(run(db, s, "EXISTS k k nope") == ":2\r\n");
    CHECK(run(db, s, "DEL k nope") == ":1\r\n");
    CHECK(run(db, s, "foo a b") ==
          "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
    CHECK(run(db, s, "COMMAND DOCS") == "*0\r\n");
    CHECK(run(db, s, "CONFIG GET APPENDONLY") == "*2\r\n$10\r\nAPPENDONLY\r\n$2\r\nno\r\n");
    CHECK(run(db, s, "CONFIG GET append* save appendonly") ==
          "*4\r\n$10\r\nappendonly\r\n$2\r\nno\r\n$4\r\nsave\r\n$0\r\n\r\n");
    CHECK(run(db, s, "COMMAND nope") == "-ERR unknown subcommand 'nope'. Try COMMAND HELP.\r\n");
    db.connect(s);
    CHECK(run(db, s, "HELLO 3") == "-NOPROTO unsupported protocol version\r\n");
    CHECK(run(db, s, "HELLO x") == "-ERR Protocol version is not an integer or out of range\r\n");
    CHECK(run(db, s, "HELLO 2 FOO") == "-ERR Syntax error in HELLO option 'FOO'\r\n");
    CHECK(run(db, s, "HELLO 2 SETNAME app")
              .starts_with("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"));
    CHECK(run(db, s, "QUIT") == "+OK\r\n");
    CHECK(s.close_after_reply);
}

TEST_CASE("expiry: on access, TTL rounding, EXPIRE options, and the active cycle") {
    redis::engine db(fake_clock);
    redis::session s;
    CHECK(run(db, s, "SET a 1 PX 1500") == "+OK\r\n");
    CHECK(run(db, s, "TTL a") == ":2\r\n");  // 1.5 s rounds to 2, as in Redis
    CHECK(run(db, s, "PTTL a") == ":1500\r\n");
    CHECK(run(db, s, "TTL b") == ":-2\r\n");
    CHECK(run(db, s, "SET b 1") == "+OK\r\n");
    CHECK(run(db, s, "TTL b") == ":-1\r\n");
    CHECK(run(db, s, "EXPIRE b 10 XX") == ":0\r\n");
    CHECK(run(db, s, "EXPIRE b 10 NX") == ":1\r\n");
    CHECK(run(db, s, "EXPIRE b 5 GT") == ":0\r\n");
    CHECK(run(db, s, "EXPIRE b 5 LT") == ":1\r\n");
    CHECK(run(db, s, "EXPIRE b 5 NX XX") ==
          "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    CHECK(run(db, s, "EXPIRE b 5 foo") == "-ERR Unsupported option foo\r\n");
    CHECK(run(db, s, "EXPIRE nope 5") == ":0\r\n");
    fake_now += 1500;
    CHECK(run(db, s, "GET a") == "$-1\r\n");
    CHECK(run(db, s, "DBSIZE") == ":1\r\n");
    CHECK(run(db, s, "SET c 1 PX 10") == "+OK\r\n");
    fake_now += 10;
    CHECK(run(db, s, "DBSIZE") == ":2\r\n");  // not yet deleted
    CHECK(db.keys().expire_some(1000) == 1);
    CHECK(run(db, s, "DBSIZE") == ":1\r\n");
    CHECK(run(db, s, "EXPIRE b -1") == ":1\r\n");
    CHECK(run(db, s, "EXISTS b") == ":0\r\n");
    CHECK(db.keys().volatile_count() == 0);
}

TEST_CASE("KEYS with patterns") {
    redis::engine db(fake_clock);
    redis::session s;
    run(db, s, "SET user:1 a");
    run(db, s, "SET user:2 b");
    run(db, s, "SET other c");
    CHECK(run(db, s, "KEYS user:1") == "*1\r\n$6\r\nuser:1\r\n");
    CHECK(run(db, s, "KEYS *er") == "*1\r\n$5\r\nother\r\n");
    CHECK(run(db, s, "KEYS nothing*") == "*0\r\n");
    CHECK(run(db, s, "KEYS user:?").substr(0, 4) == "*2\r\n");
}

TEST_CASE("publish and subscribe") {
    redis::engine db(fake_clock);
    recorder box;
    redis::session listener;
    listener.sink = &box;
    redis::session other;
    CHECK(run(db, listener, "SUBSCRIBE news") == "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    CHECK(run(db, listener, "PING") == "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    CHECK(run(db, listener, "GET k") ==
          "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
          "RESET are allowed in this context\r\n");
    CHECK(run(db, other, "PUBLISH news hi") == ":1\r\n");
    CHECK(run(db, other, "PUBLISH nobody hi") == ":0\r\n");
    CHECK(box.got == "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    CHECK(run(db, listener, "UNSUBSCRIBE") == "*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:0\r\n");
    CHECK(run(db, listener, "UNSUBSCRIBE") == "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    CHECK(run(db, listener, "SUBSCRIBE news") == "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    CHECK(run(db, listener, "RESET") == "+RESET\r\n");
    CHECK(run(db, listener, "GET k") == "$-1\r\n");
    CHECK(run(db, other, "PUBLISH news again") == ":0\r\n");
}
