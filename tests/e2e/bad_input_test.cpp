// End-to-end bad input matrix: config errors (78, file:line), CLI misuse (64),
// malformed import lines and events (65) — each one clear line on stderr (plus an
// optional hint) and an unchanged store.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "harness.hpp"
#include "store_probe.hpp"

using djc::e2e::Sandbox;
using djc::e2e::StoreProbe;

namespace {

const std::string good_config = R"([workers.w]
command = 'echo run >> ran.log; echo "$@"'
[workers.other]
command = ["echo"]
[sources.foo]
[[sources.foo.invalidates]]
worker = "w"
fields = { attr1 = "attr1" }
)";

struct Case {
  const char* name;
  std::string input;     // a config text, a command line, or stdin, by table
  std::string expected;  // a part of the one error line
};

// A sandbox whose store holds one entry, and a probe of it taken now.
struct Seeded {
  Sandbox box;
  StoreProbe before;
  Seeded() {
    box.write("good.toml", good_config);
    box.config(good_config);
    REQUIRE(box.dj("get w seeded attr1=1").code == 0);
    before = StoreProbe::take(box);
  }
};

void check_rejected(const Seeded& seeded, const djc::e2e::Run& run, int code,
                    const std::string& expected) {
  INFO("stderr: " << run.err);
  CHECK(run.code == code);
  CHECK(run.out.empty());
  CHECK(djc::e2e::is_one_error(run.err));
  CHECK(run.err.find(expected) != std::string::npos);
  CHECK(StoreProbe::take(seeded.box) == seeded.before);
}

}  // namespace

TEST_CASE("every config error exits 78 naming file:line", "[e2e][lmdb][bad-input][config]") {
  auto [name, config, expected] = GENERATE(values<Case>({
      {"no command", "[workers.w]\ntimeout = 5\n", "dj-cache.toml:1:1: worker 'w' has no 'command'"},
      {"empty command string", "[workers.w]\ncommand = \"\"\n", "dj-cache.toml:2:11: 'command' in worker 'w' must not be empty"},
      {"empty command array", "[workers.w]\ncommand = []\n", "dj-cache.toml:2:11: 'command' in worker 'w' must not be empty"},
      {"command of a wrong type", "[workers.w]\ncommand = 5\n", "dj-cache.toml:2:11: 'command' in worker 'w' must be an array"},
      {"command element of a wrong type", "[workers.w]\ncommand = [\"a\", 2]\n", "dj-cache.toml:2:17: element 1 of 'command'"},
      {"alias of a wrong type", "[workers.w]\nstructure_getter = true\n", "dj-cache.toml:2:"},
      {"negative duration string", "[workers.w]\ncommand = [\"x\"]\ntimeout = \"-5m\"\n", "dj-cache.toml:3:11: 'timeout' in worker 'w' must not be negative"},
      {"negative duration integer", "[workers.w]\ncommand = [\"x\"]\nrelevance_timeout = -1\n", "dj-cache.toml:3:21: 'relevance_timeout' in worker 'w' must not be negative"},
      {"negative default", "[defaults]\ngetter_timeout = \"-1s\"\n[workers.w]\ncommand = [\"x\"]\n", "dj-cache.toml:2:18:"},
      {"malformed duration", "[workers.w]\ncommand = [\"x\"]\nwait = \"5 parsecs\"\n", "dj-cache.toml:3:8: 'wait' in worker 'w' has a malformed duration"},
      {"duration of a wrong type", "[workers.w]\ncommand = [\"x\"]\ntimeout = true\n", "dj-cache.toml:3:11: 'timeout' in worker 'w' must be a duration"},
      {"flag of a wrong type", "[workers.w]\ncommand = [\"x\"]\ncache_failures = \"yes\"\n", "dj-cache.toml:3:"},
      {"env of a wrong type", "[workers.w]\ncommand = [\"x\"]\nenv = { A = 1 }\n", "dj-cache.toml:3:13: env variable 'A'"},
      {"bad label", "[workers.\"bad label!\"]\ncommand = [\"x\"]\n", "dj-cache.toml:1:10: bad worker label 'bad label!'"},
      {"label too long", "[workers." + std::string(65, 'a') + "]\ncommand = [\"x\"]\n", "dj-cache.toml:1:10: bad worker label"},
      {"empty array label", "[[workers]]\nlabel = \"\"\ncommand = [\"x\"]\n", "dj-cache.toml:2:9: bad worker label ''"},
      {"unknown worker key", "[workers.w]\ncommand = [\"x\"]\ntimout = 5\n", "dj-cache.toml:3:1: unknown key 'timout' in worker 'w' (did you mean 'timeout'?)"},
      {"unknown top-level key", "bogus = 1\n[workers.w]\ncommand = [\"x\"]\n", "dj-cache.toml:1:1: unknown key 'bogus'"},
      {"unknown store key", "[store]\npaht = \"x\"\n[workers.w]\ncommand = [\"x\"]\n", "dj-cache.toml:2:1: unknown key 'paht'"},
      {"bad store size", "[store]\nmax_size = \"-1GiB\"\n[workers.w]\ncommand = [\"x\"]\n", "dj-cache.toml:2:12: 'max_size' in [store] has a malformed size"},
      {"missing include", "include = [\"missing.toml\"]\n[workers.w]\ncommand = [\"x\"]\n", "dj-cache.toml:1:12: included file 'missing.toml' does not exist"},
      {"main-only key in an include", "include = [\"inc/*.toml\"]\n[workers.w]\ncommand = [\"x\"]\n", "inc/a.toml:3:2: 'store' may only appear in the main config"},
      {"rule naming an unknown worker", "[workers.w]\ncommand = [\"x\"]\n[sources.s]\n[[sources.s.invalidates]]\nworker = \"nope\"\nis_empty = true\n", "dj-cache.toml:5:10: rule 1 of source 's' names worker 'nope'"},
      {"rule with an unknown key", "[workers.w]\ncommand = [\"x\"]\n[sources.s]\n[[sources.s.invalidates]]\nworker = \"w\"\nfeilds = {}\n", "dj-cache.toml:6:1: unknown key 'feilds' in rule 1 of source 's' (did you mean 'fields'?)"},
      {"rule without fields", "[workers.w]\ncommand = [\"x\"]\n[sources.s]\n[[sources.s.invalidates]]\nworker = \"w\"\n", "dj-cache.toml:4:1: rule 1 of source 's' needs 'fields'"},
      {"TOML: unterminated table header", "[workers.w\ncommand = [\"x\"]\n", "dj-cache.toml:1:11:"},
      {"TOML: unterminated array", "[workers.w]\ncommand = [\"x\"\n", "dj-cache.toml:2:"},
      {"TOML: duplicate key", "[workers.w]\ncommand = [\"x\"]\ncommand = [\"y\"]\n", "dj-cache.toml:3:"},
      {"TOML: bare text", "this is not toml\n", "dj-cache.toml:1:"},
      {"TOML: non-ASCII outside quotes", "[workers.w]\ncommand = [\"x\"]\nné = 1\n", "dj-cache.toml:3:2:"},
      {"TOML: non-ASCII in a table name", "[workers.café]\ncommand = [\"x\"]\n", "dj-cache.toml:1:13:"},
  }));
  DYNAMIC_SECTION(name) {
    Seeded seeded;
    seeded.box.write("inc/a.toml", "[workers.v]\ncommand = [\"x\"]\n[store]\npath = \"x\"\n");
    seeded.box.config(config);
    check_rejected(seeded, seeded.box.dj("get w"), 78, expected);
    check_rejected(seeded, seeded.box.dj("workers"), 78, expected);
  }
}

TEST_CASE("every CLI misuse exits 64 with one line and a hint", "[e2e][bad-input][cli]") {
  auto [name, command, expected] = GENERATE(values<Case>({
      {"unknown subcommand", "frobnicate", "unknown command 'frobnicate'"},
      {"misspelt subcommand", "purg --expired", "did you mean 'purge'?"},
      {"unknown global option", "--bogus get w", "--bogus"},
      {"unknown get option", "get --bogus w", "unknown option '--bogus'"},
      {"unknown list option", "list --bogus", "--bogus"},
      {"missing LABEL of get", "get", "missing LABEL"},
      {"missing LABEL of invalidate", "invalidate", "LABEL is required"},
      {"missing LABEL of warm", "warm", "LABEL"},
      {"bad --timeout", "get --timeout 5parsecs w", "--timeout: '5parsecs' is not a duration"},
      {"negative --timeout", "get --timeout -5 w", "--timeout: '-5' is not a duration"},
      {"bad --relevance-timeout", "get --relevance-timeout soon w", "--relevance-timeout"},
      {"bad --getter-timeout", "get --getter-timeout 1y w", "--getter-timeout"},
      {"bad --wait", "get --wait abc w", "--wait: 'abc' is not a duration"},
      {"None mixed with a value", "get w a= a=1", "argument 'a' is given both as None"},
      {"--new without --old", "invalidate w --new a=1", "--new needs --old"},
      {"--old word not K=V", "invalidate w --old justaword", "'justaword' is not K=V"},
      {"--old name twice", "invalidate w --old a=1 a=2", "'a' is given twice"},
      {"extra export argument", "export w extra", "extra"},
      {"notify without a source", "notify", "missing SOURCE"},
      {"notify with a bad op", "notify foo frob --data '{}'", "frob"},
  }));
  DYNAMIC_SECTION(name) {
    Seeded seeded;
    check_rejected(seeded, seeded.box.dj(command), 64, expected);
  }
}

TEST_CASE("every malformed import line exits 65 and imports nothing", "[e2e][bad-input][import]") {
  const std::string valid = R"({"label":"w","args":{"args":["new"]},"value":"x"})";
  auto [name, line, expected] = GENERATE_COPY(values<Case>({
      {"not JSON", "{not json", "stdin:2: not valid JSON"},
      {"truncated JSON", R"({"label":"w","value":"x")", "stdin:2: not valid JSON"},
      {"not an object", "[1,2]", "stdin:2: expected a JSON object"},
      {"no label", R"({"value":"x"})", "stdin:2: missing string 'label'"},
      {"label not a string", R"({"label":5,"value":"x"})", "stdin:2: missing string 'label'"},
      {"bad label", R"({"label":"bad label!","value":"x"})", "stdin:2: invalid label"},
      {"no value", R"({"label":"w"})", "stdin:2: missing 'value'"},
      {"value not a string", R"({"label":"w","value":1})", "stdin:2: 'value' must be a string"},
      {"both values", R"({"label":"w","value":"x","value_base64":"eA=="})", "stdin:2: give 'value' or 'value_base64'"},
      {"bad base64", R"({"label":"w","value_base64":"@@"})", "stdin:2: 'value_base64' is not valid base64"},
      {"args not an object", R"({"label":"w","args":[1],"value":"x"})", "stdin:2: 'args' must be an object"},
      {"positional null", R"({"label":"w","args":{"args":[null]},"value":"x"})", "stdin:2: 'args.args' cannot hold null"},
      {"bad argument name", R"({"label":"w","args":{"kwargs":{"a b":1}},"value":"x"})", "stdin:2: 'a b' is not a valid argument name"},
      {"nested kwarg", R"({"label":"w","args":{"kwargs":{"a":{"b":1}}},"value":"x"})", "stdin:2: expected a scalar"},
      {"time not a number", R"({"label":"w","value":"x","created_at":"now"})", "stdin:2: 'created_at' must be a number"},
  }));
  DYNAMIC_SECTION(name) {
    Seeded seeded;
    check_rejected(seeded, seeded.box.dj("import", valid + "\n" + line + "\n" + valid + "\n"), 65,
                   expected);
  }
}

TEST_CASE("every malformed event exits 65 and applies nothing", "[e2e][bad-input][notify]") {
  const std::string valid = R"({"source":"foo","op":"create","data":{"attr1":1}})";
  auto [name, line, expected] = GENERATE_COPY(values<Case>({
      {"not JSON", "{not json", "stdin:2: not valid JSON"},
      {"not an object", "[1]", "stdin:2: an event must be a JSON object"},
      {"no source", R"({"op":"create","data":{}})", "stdin:2: missing 'source'"},
      {"no op", R"({"source":"foo","data":{}})", "stdin:2: missing 'op'"},
      {"unknown op", R"({"source":"foo","op":"upsert","data":{}})", "stdin:2: 'op' must be"},
      {"create without data", R"({"source":"foo","op":"create"})", "stdin:2: a create event needs 'data'"},
      {"data not an object", R"({"source":"foo","op":"delete","data":[1]})", "stdin:2: 'data' must be a JSON object"},
      {"update with data", R"({"source":"foo","op":"update","data":{}})", "stdin:2: an update event takes"},
      {"update without new", R"({"source":"foo","op":"update","old":{}})", "stdin:2: an update event needs 'new'"},
      {"mapped field an array", R"({"source":"foo","op":"create","data":{"attr1":[1]}})", "stdin:2: field 'attr1'"},
  }));
  DYNAMIC_SECTION(name) {
    Seeded seeded;
    auto run = seeded.box.dj("notify --events -", valid + "\n" + line + "\n");
    check_rejected(seeded, run, 65, expected);
    CHECK(djc::e2e::count_lines(seeded.box.dir() / "ran.log") == 1);  // the seeding get only
  }
}

TEST_CASE("a malformed --data or --old of notify exits 65", "[e2e][bad-input][notify]") {
  Seeded seeded;
  check_rejected(seeded, seeded.box.dj("notify foo create --data '{bad'"), 65, "--data");
  check_rejected(seeded, seeded.box.dj("notify foo update --old '[]' --new '{}'"), 65, "'old'");
  check_rejected(seeded, seeded.box.dj("notify nosuch create --data '{}'"), 69, "unknown source 'nosuch'");
}
