// End-to-end: rules on change events — `notify` from the command line, JSON lines
// (--events FILE and stdin) and the spool that `work` drains; django-cache's
// automatic invalidation test ported over a CSV table.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "table.hpp"

using djc::e2e::contains;
using djc::e2e::runs;
using djc::e2e::Sandbox;
using djc::e2e::table_config;
using Lines = std::vector<std::string>;

namespace {

const char* rules = R"([sources.bar]
[[sources.bar.invalidates]]
worker = "simple_bar"
fields = { attr1 = "attr1", attr2 = "attr2", attr3 = "attr3" }
[[sources.bar.invalidates]]
worker = "nested_foo"
fields = { id = "bars" }
when_changed = ["foo"]
[sources.foo]
[[sources.foo.invalidates]]
worker = "all_foos"
is_empty = true
[events]
spool = "spool"
)";

void table(Sandbox& box) {
  djc::e2e::write_table_getters(box);
  box.config(table_config(rules));
  djc::e2e::write_foos(box, {"1,1,test,1.1", "2,1,test,1.1"});
}

void write_bars(Sandbox& box, const std::vector<std::string>& rows) {
  std::string text = "id,attr1,attr2,attr3,foo\n";
  for (const auto& row : rows) text += row + "\n";
  box.write("bars.csv", text);
}

std::string bars_of(Sandbox& box, const std::string& args = "attr1=1 attr2=test attr3=1.1") {
  return box.dj("get simple_bar " + args).out;
}

std::string bar_json(int id, int attr1, int foo = 1) {
  return "{\"id\":" + std::to_string(id) + ",\"attr1\":" + std::to_string(attr1) +
         ",\"attr2\":\"test\",\"attr3\":1.1,\"foo\":" + std::to_string(foo) + "}";
}

std::string event(const std::string& op, const std::string& records) {
  return "{\"source\":\"bar\",\"op\":\"" + op + "\"," + records + "}\n";
}

}  // namespace

TEST_CASE("django-cache: automatic invalidation on create, update, delete", "[e2e][notify]") {
  Sandbox box;
  table(box);
  write_bars(box, {"1,1,test,1.1,1"});
  CHECK(bars_of(box) == "1\n");
  write_bars(box, {"1,1,test,1.1,1", "2,1,test,1.1,1"});
  auto created = box.dj("notify bar create --data '" + bar_json(2, 1) + "'");
  CHECK(created.code == 0);
  CHECK(contains(created.err, "notify: 1 event, 1 matched, 1 recomputed, 0 queued\n"));
  CHECK(bars_of(box) == "1\n2\n");
  runs(box);

  write_bars(box, {"1,1,test,1.1,1", "2,1,test,1.1,1", "3,2,test,1.1,1"});
  CHECK(box.dj("notify bar create --data '" + bar_json(3, 2) + "'").code == 0);
  CHECK(runs(box).empty());  // bar3 (attr1=2) is in no cached result
  CHECK(bars_of(box) == "1\n2\n");

  write_bars(box, {"1,1,test,1.1,1", "2,1,test,1.1,1", "3,1,test,1.1,1"});
  CHECK(box.dj("notify bar update --old '" + bar_json(3, 2) + "' --new '" + bar_json(3, 1) + "'")
            .code == 0);
  CHECK(bars_of(box) == "1\n2\n3\n");

  write_bars(box, {"1,1,test,1.1,1", "2,1,test,1.1,1"});
  CHECK(box.dj("notify bar delete --data '" + bar_json(3, 1) + "'").code == 0);
  CHECK(bars_of(box) == "1\n2\n");
}

TEST_CASE("notify: JSON scalars compare by their text, null is None", "[e2e][notify]") {
  Sandbox box;
  table(box);
  write_bars(box, {"1,1,test,,1"});
  CHECK(bars_of(box, "attr1=1 attr2=test attr3=") == "1\n");
  CHECK(bars_of(box, "attr1=1 attr2=test attr3=1.1") == "");
  runs(box);
  CHECK(box.dj(R"(notify bar create --data '{"attr1":"1","attr2":"test","attr3":null}')").code ==
        0);
  CHECK(runs(box) == Lines{"bars 1|test|"});  // null is matched only by the None arg
  CHECK(box.dj(R"(notify bar create --data '{"attr1":1,"attr3":1.1}')").code == 0);
  CHECK(runs(box) == Lines{"bars 1|test|", "bars 1|test|1.1"});  // attr2 missing: any
}

TEST_CASE("notify: when_changed and list arguments", "[e2e][notify]") {
  Sandbox box;
  table(box);
  write_bars(box, {"1,1,test,1.1,1", "2,1,test,1.1,1"});
  CHECK(box.dj("get nested_foo attr1=1 bars=1 bars=2").out == "1\n");
  CHECK(box.dj("get nested_foo attr1=1 bars=1").out == "1\n");
  CHECK(box.dj("get nested_foo attr1=1 bars=2").out == "1\n");
  CHECK(bars_of(box) == "1\n2\n");
  runs(box);
  SECTION("an update of a field not in when_changed leaves the rule alone") {
    CHECK(box.dj("notify bar update --old '" + bar_json(2, 1) + "' --new '" + bar_json(2, 5) + "'")
              .code == 0);
    CHECK(runs(box) == Lines{"bars 1|test|1.1"});  // simple_bar's rule has no when_changed
  }
  SECTION("bar2 moves to foo2: the entries listing bar 2 are recomputed") {
    write_bars(box, {"1,1,test,1.1,1", "2,1,test,1.1,2"});
    CHECK(box.dj("notify bar update --old '" + bar_json(2, 1, 1) + "' --new '" + bar_json(2, 1, 2) +
                 "'")
              .code == 0);
    CHECK(runs(box) == Lines{"bars 1|test|1.1", "nested 1| 1 2", "nested 1| 2"});
    CHECK(box.dj("get nested_foo attr1=1 bars=2").out == "2\n");
    CHECK(box.dj("get nested_foo attr1=1 bars=1 bars=2").out == "1\n2\n");
  }
}

TEST_CASE("notify --events: JSON lines from a file or stdin", "[e2e][notify]") {
  Sandbox box;
  table(box);
  write_bars(box, {"1,1,test,1.1,1"});
  CHECK(bars_of(box) == "1\n");
  CHECK(box.dj("get all_foos").out == "1\n2\n");
  write_bars(box, {"1,1,test,1.1,1", "2,1,test,1.1,1"});
  djc::e2e::write_foos(box, {"1,1,test,1.1"});
  std::string lines = event("create", "\"data\":" + bar_json(2, 1)) + "\n" +
                      R"({"source":"foo","op":"delete","data":{"id":2}})" + "\n";
  runs(box);
  SECTION("from a file") {
    box.write("events.jsonl", lines);
    auto run = box.dj("notify --events events.jsonl");
    CHECK(run.code == 0);
    CHECK(contains(run.err, "notify: 2 events, 2 matched, 2 recomputed, 0 queued"));
  }
  SECTION("from stdin") { CHECK(box.dj("notify --events -", lines).code == 0); }
  CHECK(runs(box) == Lines{"all", "bars 1|test|1.1"});
  CHECK(bars_of(box) == "1\n2\n");
  CHECK(box.dj("get all_foos").out == "1\n");
}

TEST_CASE("notify: a malformed event is 65 and nothing of the input applies", "[e2e][notify]") {
  Sandbox box;
  table(box);
  write_bars(box, {"1,1,test,1.1,1"});
  bars_of(box);
  box.dj("get all_foos");
  runs(box);
  std::string good = R"({"source":"foo","op":"create","data":{"id":3}})";
  SECTION("a line that is not JSON") {
    auto run = box.dj("notify --events -", good + "\n{\"source\": \"bar\",\n");
    CHECK(run.code == 65);
    CHECK(contains(run.err, "stdin:2: not valid JSON"));
  }
  SECTION("an event without its record") {
    auto run = box.dj("notify --events -", good + "\n" + event("update", "\"old\":{}"));
    CHECK(run.code == 65);
    CHECK(contains(run.err, "stdin:2: an update event needs 'new'"));
  }
  SECTION("a mapped field holding an object") {
    auto run =
        box.dj("notify --events -", good + "\n" + event("create", "\"data\":{\"attr1\":{}}"));
    CHECK(run.code == 65);
  }
  SECTION("an unknown source: 69") {
    auto run =
        box.dj("notify --events -", good + "\n" + R"({"source":"baz","op":"create","data":{}})");
    CHECK(run.code == 69);
    CHECK(contains(run.err, "stdin:2: unknown source 'baz'"));
    CHECK(contains(run.err, "did you mean 'bar'"));
  }
  SECTION("bad JSON on the command line") {
    CHECK(box.dj("notify foo create --data '{'").code == 65);
    CHECK(box.dj("notify foo create --data '[1]'").code == 65);
  }
  CHECK(runs(box).empty());
}

TEST_CASE("notify: usage errors and unknown sources", "[e2e][notify][cli]") {
  Sandbox box;
  table(box);
  CHECK(box.dj("notify").code == 64);
  CHECK(box.dj("notify foo").code == 64);
  CHECK(box.dj("notify foo upsert --data '{}'").code == 64);
  CHECK(box.dj("notify foo create").code == 64);
  CHECK(box.dj("notify foo create --data '{}' --old '{}'").code == 64);
  CHECK(box.dj("notify foo update --old '{}'").code == 64);
  CHECK(box.dj("notify foo update --old '{}' --new '{}' --data '{}'").code == 64);
  CHECK(box.dj("notify foo create --data '{}' --events -").code == 64);
  auto unknown = box.dj("notify fooo create --data '{}'");
  CHECK(unknown.code == 69);
  CHECK(contains(unknown.err, "did you mean 'foo'"));
  CHECK(box.dj("notify --events missing.jsonl").code == 65);
  CHECK(box.dj("-q notify foo create --data '{}'").err.empty());
}

TEST_CASE("work drains the spool: claimed, applied, removed; a bad file moved aside",
          "[e2e][notify][spool]") {
  Sandbox box;
  table(box);
  write_bars(box, {"1,1,test,1.1,1"});
  bars_of(box);
  box.dj("get all_foos");
  write_bars(box, {"1,1,test,1.1,1", "2,1,test,1.1,1"});
  runs(box);
  box.write("spool/01-create.json", "{\n  \"source\": \"bar\", \"op\": \"create\",\n  \"data\": " +
                                        bar_json(2, 1) + "\n}\n");
  box.write("spool/02-bad.jsonl", event("create", "\"data\":{}") + "{oops\n");
  box.write("spool/03-foo.jsonl", R"({"source":"foo","op":"create","data":{"id":9}})"
                                  "\n");
  box.write("spool/.04-partial.json", "{");  // a producer still writing: not taken
  box.write("spool/notes.txt", "not an event file");
  auto work = box.dj("work --once");
  CHECK(work.code == 0);
  CHECK(contains(work.err, "spool: 02-bad.jsonl rejected (02-bad.jsonl:2: not valid JSON)"));
  CHECK(contains(work.err,
                 "work: spool: 2 files applied (2 events, 2 recomputed, 0 queued), "
                 "1 rejected"));
  CHECK(runs(box) == Lines{"all", "bars 1|test|1.1"});
  CHECK(bars_of(box) == "1\n2\n");
  namespace fs = std::filesystem;
  fs::path spool = box.dir() / "spool";
  CHECK_FALSE(fs::exists(spool / "01-create.json"));
  CHECK_FALSE(fs::exists(spool / "03-foo.jsonl"));
  CHECK(fs::exists(spool / ".04-partial.json"));
  CHECK(fs::exists(spool / "notes.txt"));
  CHECK(box.read("spool/.failed/02-bad.jsonl") == event("create", "\"data\":{}") + "{oops\n");
  CHECK(contains(box.read("spool/.failed/02-bad.jsonl.error"), "not valid JSON"));
  CHECK(fs::is_empty(spool / ".processing"));
  SECTION("a second bad file of the same name does not overwrite the first") {
    box.write("spool/02-bad.jsonl", "[]");
    CHECK(box.dj("work --once").code == 0);
    CHECK(box.read("spool/.failed/02-bad.jsonl.1") == "[]");
  }
  SECTION("a file claimed by a drainer that died is re-claimed; a live one's is not") {
    runs(box);
    box.write("spool/.processing/2147483646.1-05-orphan.jsonl",
              event("delete", "\"data\":" + bar_json(2, 1)));
    std::string live = std::to_string(::getpid()) + ".-06-live.jsonl";
    box.write("spool/.processing/" + live, event("delete", "\"data\":" + bar_json(1, 1)));
    CHECK(box.dj("work --once").code == 0);
    CHECK(runs(box) == Lines{"bars 1|test|1.1"});
    CHECK_FALSE(fs::exists(spool / ".processing/2147483646.1-05-orphan.jsonl"));
    CHECK(fs::exists(spool / ".processing" / live));
  }
}

TEST_CASE("notify through a delayed worker queues and starts no synchronous getter",
          "[e2e][notify][queue]") {
  Sandbox box;
  djc::e2e::write_table_getters(box);
  box.config(table_config(R"([workers.slow_bar]
command = ["./bin/filter", "bars"]
delay_invalidation = true
[sources.bar]
[[sources.bar.invalidates]]
worker = "slow_bar"
fields = { attr1 = "attr1" }
)"));
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  write_bars(box, {"1,1,test,1.1,1"});
  CHECK(box.dj("get slow_bar attr1=1 attr2=test attr3=1.1").out == "1\n");
  write_bars(box, {"1,1,test,1.1,1", "2,1,test,1.1,1"});
  runs(box);
  auto run = box.dj("notify bar create --data '" + bar_json(2, 1) + "'");
  CHECK(contains(run.err, "notify: 1 event, 1 matched, 0 recomputed, 1 queued"));
  CHECK(runs(box).empty());
  box.env["DJ_CACHE_TEST_NOW"] = "1000010";
  CHECK(box.dj("work --once").code == 0);
  CHECK(box.dj("get slow_bar attr1=1 attr2=test attr3=1.1").out == "1\n2\n");
}

TEST_CASE("the worked example in examples/invalidation runs as its README says",
          "[e2e][notify][example]") {
  Sandbox box;
  namespace fs = std::filesystem;
  fs::copy(fs::path(DJ_CACHE_SOURCE_DIR) / "examples/invalidation", box.dir() / "ex",
           fs::copy_options::recursive);
  box.env["DJ_CACHE_CONFIG"] = (box.dir() / "ex/dj-cache.toml").string();
  auto in_example = [&](const std::string& script) { return box.sh("cd ex && " + script); };
  REQUIRE(in_example("mkdir -p spool").code == 0);
  CHECK(in_example("\"$DJ\" get all_foos").out == "1 1 x 1.5\n2 2 x \n3 1 y 0.5\n");
  CHECK(in_example("\"$DJ\" get filtered_foos attr1=1").out == "1\n3\n");
  CHECK(in_example("\"$DJ\" get filtered_foos attr1=2 attr2=x").out == "2\n");
  CHECK(in_example("\"$DJ\" get filtered_foos attr2=y").out == "3\n");

  auto update = in_example(
      "bin/edit-foo 2 1 x 9 > /dev/null && \"$DJ\" notify foo update "
      "--old '{\"id\":2,\"attr1\":2,\"attr2\":\"x\",\"attr3\":null}' "
      "--new '{\"id\":2,\"attr1\":1,\"attr2\":\"x\",\"attr3\":9}'");
  CHECK(contains(update.err, "notify: 1 event, 3 matched, 3 recomputed, 0 queued"));
  CHECK(in_example("\"$DJ\" get filtered_foos attr1=1").out == "1\n3\n2\n");

  auto attr3 = in_example("bin/edit-foo 3 1 y 0.7 | \"$DJ\" notify --events -");
  CHECK(contains(attr3.err, "notify: 1 event, 1 matched, 1 recomputed, 0 queued"));

  auto lines = in_example(
      "bin/edit-foo 5 2 x '' > changes.jsonl && bin/edit-foo 1 >> changes.jsonl"
      " && \"$DJ\" notify --events changes.jsonl");
  CHECK(lines.code == 0);
  CHECK(in_example("\"$DJ\" get filtered_foos attr1=2 attr2=x").out == "5\n");

  auto spool = in_example(
      "bin/edit-foo 4 2 x '' > spool/.tmp-$$ && "
      "mv spool/.tmp-$$ spool/$(date +%s%N).jsonl && \"$DJ\" work --once");
  CHECK(contains(spool.err,
                 "work: spool: 1 files applied (1 events, 2 recomputed, 0 queued), "
                 "0 rejected"));
  CHECK(in_example("\"$DJ\" get filtered_foos attr1=2 attr2=x").out == "5\n4\n");
  CHECK(in_example("\"$DJ\" get all_foos").out == "2 1 x 9\n3 1 y 0.7\n5 2 x \n4 2 x \n");
}

TEST_CASE("two drainers at once apply every spool file exactly once", "[e2e][notify][spool]") {
  Sandbox box;
  table(box);
  write_bars(box, {"1,1,test,1.1,1"});
  bars_of(box);
  runs(box);
  constexpr int files = 40;
  for (int i = 0; i < files; ++i) {
    box.write("spool/" + std::to_string(100 + i) + ".json",
              event("create", "\"data\":{\"attr1\":1}"));
  }
  auto both = box.sh("\"$DJ\" work --once 2> a.err & \"$DJ\" work --once 2> b.err; wait");
  CHECK(both.code == 0);
  CHECK(runs(box).size() == files);  // one recomputation per event, none twice
  namespace fs = std::filesystem;
  CHECK(fs::is_empty(box.dir() / "spool/.processing"));
  CHECK_FALSE(fs::exists(box.dir() / "spool/.failed"));
  CHECK(std::distance(fs::directory_iterator(box.dir() / "spool"), fs::directory_iterator()) == 1);
}
