// Unit tests of core/config: workers, defaults, durations, [store], [events], errors.
#include <catch2/catch.hpp>

#include "core/config.hpp"
#include "config_test_support.hpp"

using namespace std::chrono_literals;
using djc::Duration;
using djc_test::parse;
using djc_test::text_error;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;

TEST_CASE("a minimal worker gets the SPEC defaults", "[config]") {
  djc::Config config = parse("[workers.foo]\ncommand = [\"list-foos\"]\n");
  REQUIRE(config.workers.size() == 1);
  const djc::Worker& worker = *config.find_worker("foo");
  CHECK(worker.label == "foo");
  CHECK(worker.command == Strings{"list-foos"});
  CHECK_FALSE(worker.command_is_shell);
  CHECK(worker.timeout == Duration(1h));
  CHECK_FALSE(worker.key_gen.has_value());
  CHECK_FALSE(worker.cached_entity);
  CHECK(worker.wait == Duration(5min));
  CHECK_FALSE(worker.relevance_invalidation);
  CHECK(worker.relevance_timeout == Duration(60s));
  CHECK_FALSE(worker.delay_invalidation);
  CHECK(worker.delay_countdown == Duration(5s));
  CHECK_FALSE(worker.delay_logging);
  CHECK(worker.getter_timeout == Duration(5min));
  CHECK(worker.env.empty());
  CHECK_FALSE(worker.cwd.has_value());
  CHECK(worker.depends_on.empty());
  CHECK_FALSE(worker.cache_failures);
  CHECK(worker.serve_stale_on_error == Duration::zero());
  CHECK(worker.origin == "/cfg/test.toml:1");
  CHECK(config.find_worker("bar") == nullptr);

  CHECK(config.store.backend == "lmdb");
  CHECK_FALSE(config.store.path.has_value());
  CHECK(config.store.max_size == (std::uint64_t{1} << 30));
  CHECK(config.store.prefix == "dj-cache:");
  CHECK_FALSE(config.spool.has_value());
  CHECK(config.files == std::vector<std::filesystem::path>{"/cfg/test.toml"});
}

TEST_CASE("every worker key is read", "[config]") {
  djc::Config config = parse(R"([workers.foo]
command = ["./bin/list-foos", "--attr1={attr1}", "./arg"]
timeout = "1d"
key_gen = "{attr1}:{attr2}"
cached_entity = true
wait = 30
relevance_invalidation = true
relevance_timeout = "5m"
delay_invalidation = true
delay_countdown = 2.5
delay_logging = true
getter_timeout = "1h30m"
env = { LANG = "C", DEBUG = "1" }
cwd = "work"
depends_on = ["data/*.csv", "/etc/hosts"]
cache_failures = true
serve_stale_on_error = "10m"
)");
  const djc::Worker& worker = config.workers.at("foo");
  CHECK(worker.command == Strings{"/cfg/bin/list-foos", "--attr1={attr1}", "./arg"});
  CHECK(worker.timeout == Duration(24h));
  CHECK(worker.key_gen == "{attr1}:{attr2}");
  CHECK(worker.cached_entity);
  CHECK(worker.wait == Duration(30s));
  CHECK(worker.relevance_invalidation);
  CHECK(worker.relevance_timeout == Duration(5min));
  CHECK(worker.delay_invalidation);
  CHECK(worker.delay_countdown == Duration(2500ms));
  CHECK(worker.delay_logging);
  CHECK(worker.getter_timeout == Duration(90min));
  CHECK(worker.env == Pairs{{"DEBUG", "1"}, {"LANG", "C"}});
  CHECK(worker.cwd == std::filesystem::path("/cfg/work"));
  CHECK(worker.depends_on == Strings{"/cfg/data/*.csv", "/etc/hosts"});
  CHECK(worker.cache_failures);
  CHECK(worker.serve_stale_on_error == Duration(10min));
}

TEST_CASE("[defaults] apply to every worker that does not set the key", "[config]") {
  djc::Config config = parse(R"([defaults]
timeout = "2h"
relevance_timeout = 90
getter_timeout = "1m"
env = { A = "1" }

[workers.a]
command = ["a"]

[workers.b]
command = ["b"]
timeout = 5
env = { B = "2" }
)");
  const djc::Worker& a = config.workers.at("a");
  CHECK(a.timeout == Duration(2h));
  CHECK(a.relevance_timeout == Duration(90s));
  CHECK(a.getter_timeout == Duration(1min));
  CHECK(a.wait == Duration(1min));
  CHECK(a.env == Pairs{{"A", "1"}});
  const djc::Worker& b = config.workers.at("b");
  CHECK(b.timeout == Duration(5s));
  CHECK(b.relevance_timeout == Duration(90s));
  CHECK(b.env == Pairs{{"B", "2"}});
}

TEST_CASE("a command in [defaults] serves workers without one", "[config]") {
  djc::Config config = parse("[defaults]\ncommand = 'echo default'\n[workers.a]\ntimeout = 1\n");
  CHECK(config.workers.at("a").command == Strings{"echo default"});
  CHECK(config.workers.at("a").command_is_shell);
}

TEST_CASE("the [[workers]] array form names workers with 'label'", "[config]") {
  djc::Config config = parse(R"([[workers]]
label = "first"
command = ["one"]

[[workers]]
label = "second"
command = "echo two"
timeout = "15m"
)");
  REQUIRE(config.workers.size() == 2);
  CHECK(config.workers.at("first").command == Strings{"one"});
  CHECK(config.workers.at("first").origin == "/cfg/test.toml:1");
  CHECK(config.workers.at("second").command_is_shell);
  CHECK(config.workers.at("second").timeout == Duration(15min));
  CHECK(config.workers.at("second").origin == "/cfg/test.toml:5");
}

TEST_CASE("[[workers]] errors: no label, bad label, duplicate label", "[config]") {
  CHECK(text_error("[[workers]]\ncommand = [\"x\"]\n") ==
        "/cfg/test.toml:1:1: [[workers]] entry has no 'label'");
  CHECK(text_error("[[workers]]\nlabel = \"bad/label\"\ncommand = [\"x\"]\n") ==
        "/cfg/test.toml:2:9: bad worker label 'bad/label' (1-64 of A-Za-z0-9_.-)");
  CHECK(text_error("[[workers]]\nlabel = \"\"\ncommand = [\"x\"]\n") ==
        "/cfg/test.toml:2:9: bad worker label '' (1-64 of A-Za-z0-9_.-)");
  CHECK(text_error("[[workers]]\nlabel = 7\n") ==
        "/cfg/test.toml:2:9: 'label' in a [[workers]] entry must be a string, not an integer");
  CHECK(text_error(R"([[workers]]
label = "dup"
command = ["x"]

[[workers]]
label = "dup"
command = ["y"]
)") == "/cfg/test.toml:6:9: worker 'dup' is defined twice: here and at /cfg/test.toml:2:9");
}

TEST_CASE("a 'label' inside [workers.LABEL] must repeat the table name", "[config]") {
  CHECK(parse("[workers.foo]\nlabel = \"foo\"\ncommand = [\"x\"]\n").workers.count("foo") == 1);
  CHECK(text_error("[workers.foo]\nlabel = \"bar\"\ncommand = [\"x\"]\n") ==
        "/cfg/test.toml:2:9: 'label' of worker 'foo' differs from its table name");
}

TEST_CASE("bad table labels are refused", "[config]") {
  CHECK(text_error("[workers.\"a b\"]\ncommand = [\"x\"]\n") ==
        "/cfg/test.toml:1:10: bad worker label 'a b' (1-64 of A-Za-z0-9_.-)");
  std::string long_label(65, 'x');
  CHECK_THAT(text_error("[workers." + long_label + "]\ncommand = [\"x\"]\n"),
             StartsWith("/cfg/test.toml:1:10: bad worker label 'xxx"));
  CHECK(parse("[workers." + std::string(64, 'x') + "]\ncommand = [\"x\"]\n").workers.size() == 1);
  CHECK(text_error("[workers]\nfoo = 5\n") ==
        "/cfg/test.toml:2:7: worker 'foo' must be a table, not an integer");
  CHECK(text_error("workers = 5\n") == "/cfg/test.toml:1:11: 'workers' must be [workers.LABEL] "
                                       "tables or a [[workers]] array, not an integer");
}

TEST_CASE("is_valid_label follows SPEC §2", "[config]") {
  CHECK(djc::is_valid_label("all_foos"));
  CHECK(djc::is_valid_label("a.b-c_D9"));
  CHECK(djc::is_valid_label(std::string(64, 'a')));
  CHECK_FALSE(djc::is_valid_label(""));
  CHECK_FALSE(djc::is_valid_label(std::string(65, 'a')));
  CHECK_FALSE(djc::is_valid_label("a b"));
  CHECK_FALSE(djc::is_valid_label("a/b"));
  CHECK_FALSE(djc::is_valid_label("é"));
}

TEST_CASE("structure_getter is an alias of command, not a second one", "[config]") {
  CHECK(parse("[workers.foo]\nstructure_getter = [\"./get\"]\n").workers.at("foo").command ==
        Strings{"/cfg/get"});
  CHECK(text_error("[workers.foo]\ncommand = [\"a\"]\nstructure_getter = [\"b\"]\n") ==
        "/cfg/test.toml:3:20: worker 'foo' sets both 'command' and its alias "
        "'structure_getter'; keep one");
  CHECK(text_error("[workers.foo]\nstructure_getter = []\n") ==
        "/cfg/test.toml:2:20: 'structure_getter' in worker 'foo' must not be empty");
}

TEST_CASE("command[0] with a slash resolves against the config's directory", "[config]") {
  auto command_of = [](const char* value) {
    return parse(std::string("[workers.foo]\ncommand = ") + value + "\n").workers.at("foo").command;
  };
  CHECK(command_of(R"(["./bin/x"])") == Strings{"/cfg/bin/x"});
  CHECK(command_of(R"(["bin/x"])") == Strings{"/cfg/bin/x"});
  CHECK(command_of(R"(["../tools/x"])") == Strings{"/tools/x"});
  CHECK(command_of(R"(["/usr/bin/env", "./arg"])") == Strings{"/usr/bin/env", "./arg"});
  CHECK(command_of(R"(["list-foos", ""])") == Strings{"list-foos", ""});
  // A string is a /bin/sh script: left exactly as written.
  CHECK(command_of(R"('./bin/x "$@" | sort')") == Strings{"./bin/x \"$@\" | sort"});
}

TEST_CASE("a missing, empty or mistyped command is an error", "[config]") {
  CHECK(text_error("[workers.foo]\ntimeout = 5\n") ==
        "/cfg/test.toml:1:1: worker 'foo' has no 'command' (the getter to run)");
  CHECK(text_error("[workers.foo]\ncommand = []\n") ==
        "/cfg/test.toml:2:11: 'command' in worker 'foo' must not be empty");
  CHECK(text_error("[workers.foo]\ncommand = [\"\"]\n") ==
        "/cfg/test.toml:2:12: the program (element 0) of 'command' in worker 'foo' must not "
        "be empty");
  CHECK(text_error("[workers.foo]\ncommand = \"\"\n") ==
        "/cfg/test.toml:2:11: 'command' in worker 'foo' must not be empty");
  CHECK(text_error("[workers.foo]\ncommand = \"  \"\n") ==
        "/cfg/test.toml:2:11: 'command' in worker 'foo' must not be empty");
  CHECK(text_error("[workers.foo]\ncommand = 5\n") ==
        "/cfg/test.toml:2:11: 'command' in worker 'foo' must be an array of strings (argv) or "
        "a string (a /bin/sh script), not an integer");
  CHECK(text_error("[workers.foo]\ncommand = [\"a\", 1]\n") ==
        "/cfg/test.toml:2:17: element 1 of 'command' in worker 'foo' must be a string, not an "
        "integer");
}

TEST_CASE("worker durations accept seconds and duration strings", "[config]") {
  djc::Config config = parse(R"([workers.foo]
command = ["x"]
timeout = 100000
relevance_timeout = 0.1
getter_timeout = "1h30m"
delay_countdown = "250ms"
serve_stale_on_error = 0
)");
  const djc::Worker& worker = config.workers.at("foo");
  CHECK(worker.timeout == Duration(100000s));
  CHECK(worker.relevance_timeout == Duration(100ms));
  CHECK(worker.getter_timeout == Duration(90min));
  CHECK(worker.delay_countdown == Duration(250ms));
  CHECK(worker.serve_stale_on_error == Duration::zero());
}

TEST_CASE("negative, malformed and mistyped durations are errors", "[config]") {
  auto timeout_error = [](const char* value) {
    return text_error(std::string("[workers.foo]\ncommand = [\"x\"]\ntimeout = ") + value + "\n");
  };
  const std::string negative =
      "/cfg/test.toml:3:11: 'timeout' in worker 'foo' must not be negative";
  CHECK(timeout_error("-5") == negative);
  CHECK(timeout_error("-0.5") == negative);
  CHECK(timeout_error("\"-5s\"") == negative);
  CHECK(timeout_error("nan") == "/cfg/test.toml:3:11: 'timeout' in worker 'foo' must be finite");
  CHECK(timeout_error("\"1x\"") ==
        "/cfg/test.toml:3:11: 'timeout' in worker 'foo' has a malformed duration \"1x\" (expected "
        "seconds, or a string such as \"90s\", \"15m\", \"1h30m\", \"250ms\")");
  CHECK(timeout_error("true") ==
        "/cfg/test.toml:3:11: 'timeout' in worker 'foo' must be a duration (seconds, or a string "
        "such as \"90s\", \"15m\", \"1h30m\", \"250ms\"), not a boolean");
  CHECK_THAT(timeout_error("10:00:00"), StartsWith("/cfg/test.toml:3:11: 'timeout' in worker "
                                                   "'foo' must be a duration"));
  CHECK_THAT(timeout_error("10:00:00"), Contains("not a time"));
}

TEST_CASE("wait: explicit, else tick_amount × tick, else getter_timeout", "[config]") {
  auto wait_of = [](const std::string& keys, const std::string& defaults = "") {
    std::string text = "[defaults]\n" + defaults + "\n[workers.foo]\ncommand = [\"x\"]\n" + keys;
    return parse(text).workers.at("foo").wait;
  };
  CHECK(wait_of("wait = 30\ntick_amount = 10\ntick = 1\n") == Duration(30s));
  CHECK(wait_of("tick_amount = 50\ntick = 0.1\n") == Duration(5s));
  CHECK(wait_of("tick_amount = 3\ntick = \"2s\"\n") == Duration(6s));
  CHECK(wait_of("getter_timeout = \"2m\"\n") == Duration(2min));
  CHECK(wait_of("") == Duration(5min));
  // The worker's own keys come before [defaults], whichever form each uses.
  CHECK(wait_of("tick_amount = 4\ntick = 1\n", "wait = 10") == Duration(4s));
  CHECK(wait_of("wait = 7\n", "tick_amount = 2\ntick = 3") == Duration(7s));
  CHECK(wait_of("", "tick_amount = 2\ntick = 3") == Duration(6s));
  CHECK(wait_of("", "wait = 10") == Duration(10s));
  CHECK(wait_of("getter_timeout = 8\n", "getter_timeout = 9") == Duration(8s));
}

TEST_CASE("tick and tick_amount go together and tick_amount is a positive integer", "[config]") {
  const std::string head = "[workers.foo]\ncommand = [\"x\"]\n";
  CHECK(text_error(head + "tick = 0.1\n") ==
        "/cfg/test.toml:3:8: worker 'foo' sets 'tick' without 'tick_amount'; give both (wait = "
        "tick_amount × tick) or use 'wait'");
  CHECK(text_error(head + "tick_amount = 5\n") ==
        "/cfg/test.toml:3:15: worker 'foo' sets 'tick_amount' without 'tick'; give both (wait = "
        "tick_amount × tick) or use 'wait'");
  CHECK(text_error(head + "tick_amount = 0\ntick = 1\n") ==
        "/cfg/test.toml:3:15: 'tick_amount' in worker 'foo' must be positive");
  CHECK(text_error(head + "tick_amount = 1.5\ntick = 1\n") ==
        "/cfg/test.toml:3:15: 'tick_amount' in worker 'foo' must be a positive integer, not a "
        "float");
  CHECK(text_error(head + "tick_amount = 2\ntick = \"soon\"\n") ==
        "/cfg/test.toml:4:8: 'tick' in worker 'foo' has a malformed duration \"soon\" (expected "
        "seconds, or a string such as \"90s\", \"15m\", \"1h30m\", \"250ms\")");
  CHECK(text_error("[defaults]\ntick = 1\n") ==
        "/cfg/test.toml:2:8: [defaults] sets 'tick' without 'tick_amount'; give both (wait = "
        "tick_amount × tick) or use 'wait'");
}

TEST_CASE("unknown keys are errors that suggest the nearest valid key", "[config]") {
  CHECK(text_error("[workers.foo]\ncommand = [\"x\"]\ntimout = 5\n") ==
        "/cfg/test.toml:3:1: unknown key 'timout' in worker 'foo' (did you mean 'timeout'?)");
  CHECK(text_error("[workers.foo]\ncommand = [\"x\"]\nfrobnicate = 1\n") ==
        "/cfg/test.toml:3:1: unknown key 'frobnicate' in worker 'foo'");
  CHECK(text_error("wokers = 1\n") ==
        "/cfg/test.toml:1:1: unknown key 'wokers' in the config (did you mean 'workers'?)");
  CHECK(text_error("[store]\npth = \"x\"\n") ==
        "/cfg/test.toml:2:1: unknown key 'pth' in [store] (did you mean 'path'?)");
  CHECK(text_error("[defaults]\ngetter_timout = 1\n") ==
        "/cfg/test.toml:2:1: unknown key 'getter_timout' in [defaults] (did you mean "
        "'getter_timeout'?)");
  CHECK(text_error("[defaults]\nlabel = \"x\"\n") ==
        "/cfg/test.toml:2:1: unknown key 'label' in [defaults]");
  CHECK(text_error("[sources.s]\ninvalidate = []\n") ==
        "/cfg/test.toml:2:1: unknown key 'invalidate' in source 's' (did you mean "
        "'invalidates'?)");
  CHECK(text_error("[[sources.s.invalidates]]\nworkr = \"w\"\n") ==
        "/cfg/test.toml:2:1: unknown key 'workr' in rule 1 of source 's' (did you mean "
        "'worker'?)");
  CHECK(text_error("[events]\nspol = \"x\"\n") ==
        "/cfg/test.toml:2:1: unknown key 'spol' in [events] (did you mean 'spool'?)");
}

TEST_CASE("wrong value types name the expected type", "[config]") {
  const std::string head = "[workers.foo]\ncommand = [\"x\"]\n";
  CHECK(text_error(head + "cached_entity = \"yes\"\n") ==
        "/cfg/test.toml:3:17: 'cached_entity' in worker 'foo' must be a boolean (true or "
        "false), not a string");
  CHECK(text_error(head + "key_gen = 1\n") ==
        "/cfg/test.toml:3:11: 'key_gen' in worker 'foo' must be a string, not an integer");
  CHECK(text_error(head + "env = { A = 1 }\n") ==
        "/cfg/test.toml:3:13: env variable 'A' in worker 'foo' must be a string, not an integer");
  CHECK(text_error(head + "env = \"A=1\"\n") ==
        "/cfg/test.toml:3:7: 'env' in worker 'foo' must be a table of strings, not a string");
  CHECK(text_error(head + "depends_on = \"x\"\n") ==
        "/cfg/test.toml:3:14: 'depends_on' in worker 'foo' must be an array of strings, not a "
        "string");
  CHECK(text_error(head + "depends_on = [\"\"]\n") ==
        "/cfg/test.toml:3:15: element 0 of 'depends_on' in worker 'foo' must not be empty");
  CHECK(text_error(head + "cwd = 1\n") ==
        "/cfg/test.toml:3:7: 'cwd' in worker 'foo' must be a string, not an integer");
  CHECK(text_error("store = 1\n") == "/cfg/test.toml:1:9: 'store' must be a table, not an integer");
}

TEST_CASE("a TOML syntax error carries toml++'s position", "[config]") {
  CHECK_THAT(text_error("a = \n"), StartsWith("/cfg/test.toml:1:5: "));
  CHECK_THAT(text_error("[workers.foo]\ncommand = [\"x\"\n"),
             StartsWith("/cfg/test.toml:2:16: ") && Contains("array"));
  CHECK_THAT(text_error("[store]\n[store]\n"),
             StartsWith("/cfg/test.toml:2:1: ") && Contains("store"));
}

TEST_CASE("[store] settings", "[config]") {
  djc::Config config = parse(R"([store]
backend = "lmdb"
path = "cache"
max_size = "4GiB"
prefix = "x:"
)");
  CHECK(config.store.backend == "lmdb");
  CHECK(config.store.path == std::filesystem::path("/cfg/cache"));
  CHECK(config.store.max_size == (std::uint64_t{4} << 30));
  CHECK(config.store.prefix == "x:");

  CHECK(parse("[store]\nmax_size = 1048576\n").store.max_size == 1048576u);
  CHECK(parse("[store]\nmax_size = \"512MB\"\npath = \"/abs\"\n").store.path ==
        std::filesystem::path("/abs"));
  djc::Config redis = parse("[store]\nbackend = \"redis\"\nurl = \"redis://h:6379/0\"\n");
  CHECK(redis.store.backend == "redis");
  CHECK(redis.store.url == "redis://h:6379/0");
  CHECK(redis.store.lease == std::chrono::seconds{5});
  CHECK(redis.store.connect_timeout == std::chrono::milliseconds{500});
  djc::Config tuned = parse("[store]\nbackend = \"redis\"\nurl = \"unix:///s\"\n"
                            "lease = \"1s\"\nconnect_timeout = \"100ms\"\n"
                            "operation_timeout = 3\n");
  CHECK(tuned.store.lease == std::chrono::seconds{1});
  CHECK(tuned.store.connect_timeout == std::chrono::milliseconds{100});
  CHECK(tuned.store.operation_timeout == std::chrono::seconds{3});
}

TEST_CASE("[store] errors", "[config]") {
  CHECK(text_error("[store]\nlease = \"0s\"\n") ==
        "/cfg/test.toml:2:9: 'lease' in [store] must be positive");
  CHECK(text_error("[store]\nbackend = \"lmdx\"\n") ==
        "/cfg/test.toml:2:11: unknown store backend 'lmdx' (expected 'lmdb' or 'redis'); did "
        "you mean 'lmdb'?");
  CHECK(text_error("[store]\nbackend = \"sqlite\"\n") ==
        "/cfg/test.toml:2:11: unknown store backend 'sqlite' (expected 'lmdb' or 'redis')");
  CHECK(text_error("[store]\nbackend = \"redis\"\n") ==
        "/cfg/test.toml:2:11: the redis backend needs 'url' in [store] (e.g. "
        "\"redis://HOST:PORT/DB\")");
  CHECK(text_error("[store]\nmax_size = \"4 GB\"\n") ==
        "/cfg/test.toml:2:12: 'max_size' in [store] has a malformed size \"4 GB\" (expected "
        "bytes, or e.g. \"512MiB\", \"4GiB\", \"4GB\")");
  CHECK(text_error("[store]\nmax_size = 0\n") ==
        "/cfg/test.toml:2:12: 'max_size' in [store] must be positive");
  CHECK(text_error("[store]\nmax_size = -1\n") ==
        "/cfg/test.toml:2:12: 'max_size' in [store] must be positive");
  CHECK(text_error("[store]\nmax_size = true\n") ==
        "/cfg/test.toml:2:12: 'max_size' in [store] must be a size (integer bytes, or a string "
        "such as \"4GiB\"), not a boolean");
  CHECK(text_error("[store]\npath = \"\"\n") ==
        "/cfg/test.toml:2:8: 'path' in [store] must not be empty");
}

TEST_CASE("[events] spool resolves against the config's directory", "[config]") {
  CHECK(parse("[events]\nspool = \"spool\"\n").spool == std::filesystem::path("/cfg/spool"));
  CHECK(parse("[events]\nspool = \"/var/spool/dj\"\n").spool ==
        std::filesystem::path("/var/spool/dj"));
  CHECK(text_error("[events]\nspool = 3\n") ==
        "/cfg/test.toml:2:9: 'spool' in [events] must be a string, not an integer");
}
