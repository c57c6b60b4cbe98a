// End-to-end: `dj-cache invalidate`, django-cache's own invalidation tests
// (django_cache/tests/tests.py) ported over a CSV table and getters filtering it.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "table.hpp"

using djc::e2e::contains;
using djc::e2e::runs;
using djc::e2e::Sandbox;
using djc::e2e::table_config;
using djc::e2e::write_foos;
using Lines = std::vector<std::string>;

namespace {

void table(Sandbox& box, const std::string& extra = "") {
  djc::e2e::write_table_getters(box);
  box.config(table_config(extra));
}

const char* kwargs1 = "attr1=1 attr2=test1 attr3=1.1";
const char* kwargs2 = "attr1=2 attr2=test2 attr3=2.2";
const char* kwargs3 = "attr1=3 attr2=test3 attr3=";

std::string get_foo(Sandbox& box, const std::string& args) {
  return box.dj("get simple_foo " + args).out;
}

}  // namespace

TEST_CASE("django-cache: a change of fields recomputes the entries before and after",
          "[e2e][invalidate]") {
  Sandbox box;
  table(box);
  write_foos(box, {"1,1,test1,1.1", "2,2,test2,2.2", "3,3,test3,"});
  CHECK(get_foo(box, kwargs1) == "1\n");
  CHECK(get_foo(box, kwargs2) == "2\n");
  CHECK(get_foo(box, kwargs3) == "3\n");
  runs(box);
  write_foos(box, {"1,2,test2,2.2", "2,2,test2,2.2", "3,3,test3,"});  // foo1 takes kwargs2
  auto run = box.dj(std::string("invalidate simple_foo --old ") + kwargs1 + " --new " + kwargs2);
  CHECK(run.code == 0);
  CHECK(contains(run.err, "invalidate simple_foo: 2 matched, 2 recomputed, 0 dropped, 0 queued\n"));
  CHECK(runs(box) == Lines{"foos 1|test1|1.1", "foos 2|test2|2.2"});
  CHECK(get_foo(box, kwargs1) == "");
  CHECK(get_foo(box, kwargs2) == "1\n2\n");
  CHECK(get_foo(box, kwargs3) == "3\n");
  CHECK(runs(box).empty());  // all hits
}

TEST_CASE("django-cache: a field that was None", "[e2e][invalidate]") {
  Sandbox box;
  table(box);
  write_foos(box, {"2,2,test2,2.2", "3,3,test3,"});
  CHECK(get_foo(box, kwargs3) == "3\n");
  CHECK(get_foo(box, kwargs2) == "2\n");
  runs(box);
  write_foos(box, {"2,2,test2,2.2", "3,2,test2,2.2"});
  CHECK(box.dj(std::string("invalidate simple_foo --old ") + kwargs3 + " --new " + kwargs2).code ==
        0);
  CHECK(runs(box) == Lines{"foos 2|test2|2.2", "foos 3|test3|"});
  CHECK(get_foo(box, kwargs3) == "");
  CHECK(get_foo(box, kwargs2) == "2\n3\n");
}

TEST_CASE("django-cache: partly changed attributes", "[e2e][invalidate]") {
  Sandbox box;
  table(box);
  write_foos(box, {"1,1,test,1.1", "2,2,test,", "3,2,other,"});
  CHECK(get_foo(box, "attr1=1 attr2=test attr3=1.1") == "1\n");
  CHECK(get_foo(box, "attr1=2 attr2=test attr3=") == "2\n");
  CHECK(get_foo(box, "attr1=2 attr2=other attr3=") == "3\n");
  runs(box);
  write_foos(box, {"1,2,test,", "2,2,test,", "3,2,other,"});  // attr1 1 → 2, attr3 1.1 → None
  auto run = box.dj(
      "invalidate simple_foo --old attr1=1 attr2=test attr3=1.1 "
      "--new attr1=2 attr2=test attr3=");
  CHECK(run.code == 0);
  // attr2 did not change: the entry of attr2=other never held the record.
  CHECK(runs(box) == Lines{"foos 1|test|1.1", "foos 2|test|"});
  CHECK(get_foo(box, "attr1=1 attr2=test attr3=1.1") == "");
  CHECK(get_foo(box, "attr1=2 attr2=test attr3=") == "1\n2\n");
}

TEST_CASE("django-cache: a created record (--old only)", "[e2e][invalidate]") {
  Sandbox box;
  table(box);
  write_foos(box, {"1,1,test,1.1"});
  CHECK(get_foo(box, "attr1=1 attr2=test attr3=1.1") == "1\n");
  CHECK(get_foo(box, "attr1=5 attr2=test attr3=1.1") == "");
  write_foos(box, {"1,1,test,1.1", "2,1,test,1.1"});
  CHECK(get_foo(box, "attr1=1 attr2=test attr3=1.1") == "1\n");  // still cached
  runs(box);
  CHECK(box.dj("invalidate simple_foo --old attr1=1 attr2=test attr3=1.1").code == 0);
  CHECK(runs(box) == Lines{"foos 1|test|1.1"});
  CHECK(get_foo(box, "attr1=1 attr2=test attr3=1.1") == "1\n2\n");
}

TEST_CASE("django-cache: list arguments match when they hold the value", "[e2e][invalidate]") {
  Sandbox box;
  table(box);
  write_foos(box, {"1,1,test,1.1", "2,1,test,1.1"});
  box.write("bars.csv", "id,attr1,attr2,attr3,foo\n1,1,test,1.1,1\n2,1,test,1.1,1\n");
  auto nested = [&](const std::string& bars) {
    return box.dj("get nested_foo attr1=1 " + bars).out;
  };
  CHECK(nested("bars=1 bars=2") == "1\n");
  CHECK(nested("bars=1") == "1\n");
  CHECK(nested("bars=2") == "1\n");
  runs(box);
  box.write("bars.csv", "id,attr1,attr2,attr3,foo\n1,1,test,1.1,1\n2,1,test,1.1,2\n");
  CHECK(box.dj("invalidate nested_foo --old bars=2 --new bars=2").code == 0);
  CHECK(runs(box) == Lines{"nested 1| 1 2", "nested 1| 2"});
  CHECK(nested("bars=2") == "2\n");
  CHECK(nested("bars=1 bars=2") == "1\n2\n");
  CHECK(nested("bars=1") == "1\n");
  CHECK(runs(box).empty());
}

TEST_CASE("django-cache: the shortcuts", "[e2e][invalidate]") {
  Sandbox box;
  table(box);
  const std::string args = "attr1=1 attr2=test attr3=1.1";
  write_foos(box, {"1,1,test,1.1"});
  CHECK(box.dj("get --force simple_foo " + args).out == "1\n");  // save_cache
  CHECK(get_foo(box, args) == "1\n");                            // get_cache
  write_foos(box, {"1,1,test,1.1", "2,1,test,1.1"});
  CHECK(get_foo(box, args) == "1\n");
  CHECK(box.dj("invalidate simple_foo --old " + args).code == 0);  // invalidate_cache(old_data=)
  CHECK(get_foo(box, args) == "1\n2\n");
  write_foos(box, {"1,1,test,1.1", "2,1,test,1.1", "3,1,test,1.1"});
  CHECK(get_foo(box, args) == "1\n2\n");
  auto all = box.dj("invalidate simple_foo");  // invalidate_all_cache
  CHECK(all.code == 0);
  CHECK(contains(all.err, "1 matched, 1 recomputed"));
  CHECK(get_foo(box, args) == "1\n2\n3\n");
}

TEST_CASE("invalidate --drop deletes the matched entries", "[e2e][invalidate]") {
  Sandbox box;
  table(box);
  write_foos(box, {"1,1,test1,1.1", "2,2,test2,2.2"});
  get_foo(box, kwargs1);
  get_foo(box, kwargs2);
  runs(box);
  auto run = box.dj("invalidate simple_foo --old attr1=1 --drop");
  CHECK(run.code == 0);
  CHECK(contains(run.err, "invalidate simple_foo: 1 matched, 0 recomputed, 1 dropped, 0 queued"));
  CHECK(runs(box).empty());
  auto listed = box.dj("list simple_foo --json").out;
  CHECK_FALSE(contains(listed, "test1"));
  CHECK(contains(listed, "test2"));
  get_foo(box, kwargs1);
  CHECK(runs(box) == Lines{"foos 1|test1|1.1"});  // a miss again
}

TEST_CASE("delay_invalidation queues; work runs it once after the countdown",
          "[e2e][invalidate][queue]") {
  Sandbox box;
  table(box,
        "[workers.slow_foo]\ncommand = [\"./bin/filter\", \"foos\"]\ntimeout = \"1d\"\n"
        "delay_invalidation = true\ndelay_countdown = 5\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  write_foos(box, {"1,1,test,1.1"});
  CHECK(box.dj("get slow_foo attr1=1 attr2=test attr3=1.1").out == "1\n");
  write_foos(box, {"1,1,test,1.1", "2,1,test,1.1"});
  runs(box);
  auto run = box.dj("invalidate slow_foo --old attr1=1");
  CHECK(run.code == 0);
  CHECK(contains(run.err, "invalidate slow_foo: 1 matched, 0 recomputed, 0 dropped, 1 queued"));
  for (int again = 0; again < 4; ++again) {
    box.env["DJ_CACHE_TEST_NOW"] = std::to_string(1000001 + again);
    CHECK(box.dj("invalidate slow_foo --old attr2=test").code == 0);
  }
  CHECK(box.dj("get slow_foo attr1=1 attr2=test attr3=1.1").out == "1\n");  // the old value
  SECTION("not due yet: nothing runs") {
    box.env["DJ_CACHE_TEST_NOW"] = "1000004";
    CHECK(box.dj("work --once").code == 0);
    CHECK(runs(box).empty());
  }
  SECTION("past the countdown: five invalidations, one recomputation") {
    box.env["DJ_CACHE_TEST_NOW"] = "1000006";
    auto work = box.dj("work --once");
    CHECK(work.code == 0);
    CHECK(contains(work.err, "work: 1 jobs ran"));
    CHECK(runs(box) == Lines{"foos 1|test|1.1"});
    CHECK(box.dj("get slow_foo attr1=1 attr2=test attr3=1.1").out == "1\n2\n");
    CHECK(box.dj("work --once").err.find("work: 0 jobs ran") != std::string::npos);
  }
}

TEST_CASE("invalidate: a failing getter keeps the entry and gives its exit code",
          "[e2e][invalidate]") {
  Sandbox box;
  table(box);
  write_foos(box, {"1,1,test,1.1"});
  get_foo(box, "attr1=1 attr2=test attr3=1.1");
  std::filesystem::remove(box.dir() / "foos.csv");  // awk fails: exit 2
  auto run = box.dj("invalidate simple_foo");
  CHECK(run.code == 2);
  CHECK(contains(run.err, "1 matched, 1 recomputed, 0 dropped, 0 queued, 1 failed"));
  CHECK(get_foo(box, "attr1=1 attr2=test attr3=1.1") == "1\n");
}

TEST_CASE("invalidate: usage errors, unknown labels, -q", "[e2e][invalidate][cli]") {
  Sandbox box;
  table(box);
  write_foos(box, {"1,1,test,1.1"});
  CHECK(box.dj("invalidate simple_foo --new attr1=1").code == 64);
  CHECK(box.dj("invalidate simple_foo --old attr1").code == 64);
  CHECK(box.dj("invalidate simple_foo --old 1x=2").code == 64);
  CHECK(box.dj("invalidate simple_foo --old a=1 a=2").code == 64);
  CHECK(box.dj("invalidate simple_foo --old").code == 64);
  CHECK(box.dj("invalidate").code == 64);
  auto unknown = box.dj("invalidate simple_fo --old attr1=1");
  CHECK(unknown.code == 69);
  CHECK(contains(unknown.err, "did you mean 'simple_foo'"));
  auto quiet = box.dj("-q invalidate simple_foo");
  CHECK(quiet.code == 0);
  CHECK(quiet.err.empty());
  CHECK(box.dj("invalidate --help").out.find("Example") != std::string::npos);
}
