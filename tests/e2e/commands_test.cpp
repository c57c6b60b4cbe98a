// End-to-end: the other commands of the core — list, purge, export/import, warm,
// workers, migrate, check — and the exit codes of SPEC.md §4.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "harness.hpp"

using djc::e2e::count_lines;
using djc::e2e::Sandbox;

namespace {

const char* two_workers = R"([workers.echo]
command = ["echo"]
timeout = "10m"
[workers.other]
command = ["printf", "\\377\\000"]
timeout = "1h"
)";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("exit codes of misuse", "[e2e][cli]") {
  Sandbox box;
  box.config(two_workers);
  SECTION("no subcommand: usage on stderr, 64") {
    auto run = box.dj("");
    CHECK(run.code == 64);
    CHECK(run.out.empty());
    CHECK(contains(run.err, "Usage"));
  }
  SECTION("unknown option or subcommand: 64") {
    CHECK(box.dj("get --bogus echo").code == 64);
    CHECK(box.dj("frobnicate").code == 64);
    CHECK(box.dj("get").code == 64);
  }
  SECTION("unknown label: 69 with a suggestion") {
    auto run = box.dj("get ecko");
    CHECK(run.code == 69);
    CHECK(contains(run.err, "did you mean 'echo'"));
  }
  SECTION("no config at all: 78") {
    box.env["DJ_CACHE_CONFIG"] = (box.dir() / "missing.toml").string();
    CHECK(box.dj("get echo").code == 78);
  }
  SECTION("an invalid config: 78 naming file:line:column") {
    box.config("[workers.echo]\ncommand = [\"echo\"]\ntimout = 5\n");
    auto run = box.dj("get echo");
    CHECK(run.code == 78);
    CHECK(contains(run.err, "dj-cache.toml:3:"));
    CHECK(contains(run.err, "timeout"));
  }
  SECTION("a group-writable config is refused: 78") {
    box.write("dj-cache.toml", two_workers, 0664);
    CHECK(box.dj("get echo").code == 78);
  }
  SECTION("--help and --version exit 0 on stdout") {
    auto help = box.dj("get --help");
    CHECK(help.code == 0);
    CHECK(contains(help.out, "Example"));
    auto version = box.dj("--version");
    CHECK(version.code == 0);
    CHECK(contains(version.out, "dj-cache"));
  }
}

TEST_CASE("list shows entries; --json is one array", "[e2e][list]") {
  Sandbox box;
  box.config(two_workers);
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  CHECK(box.dj("list --json").out == "[]\n");  // a missing store is empty
  CHECK_FALSE(std::filesystem::exists(box.store()));
  box.dj("get echo a k=v");
  box.dj("get other");
  auto table = box.dj("list");
  CHECK(table.code == 0);
  CHECK(contains(table.out, "LABEL"));
  CHECK(contains(table.out, "a k=v"));
  CHECK(contains(table.out, "10m"));
  auto json = box.dj("list echo --json");
  CHECK(contains(json.out, "\"available_to\":1000600.0"));
  CHECK(contains(json.out, "\"kwargs\":{\"k\":\"v\"}"));
  CHECK_FALSE(contains(json.out, "\"label\":\"other\""));
}

TEST_CASE("purge deletes all, a label's, or expired entries", "[e2e][purge]") {
  Sandbox box;
  box.config(two_workers);
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  box.dj("get echo 1");
  box.dj("get echo 2");
  box.dj("get other");
  box.env["DJ_CACHE_TEST_NOW"] = "1000700";  // echo's entries expired, other's not
  auto expired = box.dj("purge --expired");
  CHECK(expired.code == 0);
  CHECK(contains(expired.err, "purged 2 entries"));
  CHECK(contains(box.dj("list --json").out, "\"label\":\"other\""));
  box.dj("get echo 3");
  CHECK(contains(box.dj("purge other").err, "purged 1 entry"));
  CHECK(contains(box.dj("purge").err, "purged 1 entry"));
  CHECK(box.dj("list --json").out == "[]\n");
}

TEST_CASE("export and import move entries, binary values included", "[e2e][export]") {
  Sandbox box;
  box.config(two_workers);
  box.dj("get echo 'a b' k=v");
  box.dj("get other");
  auto exported = box.dj("export");
  REQUIRE(exported.code == 0);
  CHECK(contains(exported.out, "\"value_base64\":\"/wA=\""));

  Sandbox target;
  target.config("[workers.echo]\ncommand = 'echo run >> ran.log'\n[workers.other]\ncommand = 'echo run >> ran.log'\n");
  auto imported = target.dj("import", exported.out);
  REQUIRE(imported.code == 0);
  CHECK(contains(imported.err, "imported 2 entries"));
  CHECK(target.dj("get echo 'a b' k=v").out == "a b --k=v\n");
  CHECK(target.dj("get other").out == std::string("\377\0", 2));
  CHECK(count_lines(target.dir() / "ran.log") == 0);
}

TEST_CASE("a malformed import line rejects the whole input", "[e2e][export]") {
  Sandbox box;
  box.config(two_workers);
  box.dj("get echo keep");
  std::string before = box.dj("export").out;
  std::string input = "{\"label\":\"echo\",\"args\":{\"args\":[\"new\"]},\"value\":\"x\"}\n{not json\n";
  auto run = box.dj("import", input);
  CHECK(run.code == 65);
  CHECK(contains(run.err, "stdin:2:"));
  CHECK(box.dj("export").out == before);
  CHECK(box.dj("import", "{\"label\":\"echo\",\"value_base64\":\"@@\"}\n").code == 65);
  CHECK(box.dj("import", "{\"label\":\"bad label!\",\"value\":\"\"}\n").code == 65);
}

TEST_CASE("warm caches one argument set per line", "[e2e][warm]") {
  Sandbox box;
  box.write("bin/count", "#!/bin/sh\necho run >> \"$(dirname \"$0\")/../ran.log\"\necho \"$@\"\n", 0755);
  box.config("[workers.w]\ncommand = [\"./bin/count\"]\n");
  auto run = box.dj("warm w", "a=1\n# comment\n\n'two words' b=\"x y\"\na=1\n");
  CHECK(run.code == 0);
  CHECK(run.out.empty());
  CHECK(count_lines(box.dir() / "ran.log") == 2);
  CHECK(box.dj("get w 'two words' 'b=x y'").out == "two words --b=x y\n");
  CHECK(count_lines(box.dir() / "ran.log") == 2);
  CHECK(box.dj("warm w", "'unterminated\n").code == 65);
  // The lines before a malformed one are stored, batched or not.
  CHECK(box.dj("warm w", "fresh=1\n'unterminated\n").code == 65);
  CHECK(box.dj("get w fresh=1").out == "--fresh=1\n");
  CHECK(count_lines(box.dir() / "ran.log") == 3);
}

TEST_CASE("warm stores many lines in batches, every one of them", "[e2e][warm]") {
  Sandbox box;
  box.config("[workers.w]\ncommand = ['echo']\n");
  std::string lines;
  for (int i = 0; i < 600; ++i) lines += "id=" + std::to_string(i) + "\n";
  REQUIRE(box.dj("warm w", lines).code == 0);
  std::string list = box.dj("list w --json").out;
  std::size_t entries = 0;
  for (std::size_t at = 0; (at = list.find("\"created_at\"", at)) != std::string::npos; ++at) ++entries;
  CHECK(entries == 600);
  CHECK(box.dj("get w id=599").out == "--id=599\n");
  CHECK(box.dj("check").code == 0);
}

TEST_CASE("workers lists the config's workers", "[e2e][workers]") {
  Sandbox box;
  box.config(two_workers);
  auto table = box.dj("workers");
  CHECK(table.code == 0);
  CHECK(contains(table.out, "echo"));
  CHECK(contains(table.out, "10m"));
  auto json = box.dj("workers --json");
  CHECK(contains(json.out, "\"label\": \"other\""));
  CHECK(contains(json.out, "\"timeout\": 3600.0"));
}

TEST_CASE("migrate creates the store; --check reports what is due", "[e2e][lmdb][migrate]") {
  Sandbox box;
  box.config(two_workers);
  CHECK(box.dj("migrate --check").code == 1);
  CHECK_FALSE(std::filesystem::exists(box.store()));
  auto created = box.dj("migrate");
  CHECK(created.code == 0);
  CHECK(contains(created.err, "created"));
  CHECK(box.dj("migrate --check").code == 0);
  auto perms = std::filesystem::status(box.store()).permissions();
  CHECK((perms & std::filesystem::perms::all) == std::filesystem::perms::owner_all);
}

TEST_CASE("store faults give 74 and a clear message, never a wipe", "[e2e][lmdb][store]") {
  Sandbox box;
  box.config(two_workers);
  SECTION("garbage data.mdb") {
    box.write("store/data.mdb", std::string(100000, 'x'), 0600);
    ::chmod((box.dir() / "store").c_str(), 0700);
    auto run = box.dj("get echo");
    CHECK(run.code == 74);
    CHECK(contains(run.err, "store"));
    CHECK(box.read("store/data.mdb") == std::string(100000, 'x'));
    CHECK(box.dj("list").code == 74);
  }
  SECTION("a store path that is a file") {
    box.write("store", "not a dir", 0600);
    CHECK(box.dj("get echo").code == 74);
  }
}

TEST_CASE("check passes on a sound store", "[e2e][check]") {
  Sandbox box;
  box.config(two_workers);
  box.dj("get echo 1 a=x");
  box.dj("get other");
  auto run = box.dj("check");
  CHECK(run.code == 0);
  CHECK(run.out.empty());
}
