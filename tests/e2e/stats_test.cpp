// End-to-end: `stats` (counters per label, --json), colour and progress only on a
// terminal, every subcommand's --help, and the configs in examples/.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "harness.hpp"

using djc::e2e::Sandbox;
namespace fs = std::filesystem;

namespace {

const char* counted_workers = R"([workers.echo]
command = ["echo"]
timeout = "10m"
[workers.fails]
command = "exit 3"
[workers.short]
command = ["echo", "short"]
timeout = 1
relevance_invalidation = true
relevance_timeout = 1
)";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

nlohmann::json stats_json(const Sandbox& box) {
  auto run = box.dj("stats --json");
  REQUIRE(run.code == 0);
  return nlohmann::json::parse(run.out);
}

// Runs `command` (shell words after "$DJ") with a terminal as stdout and stderr.
djc::e2e::Run on_terminal(const Sandbox& box, const std::string& command) {
  return box.sh("SHELL=/bin/sh script -qec '\"$DJ\" " + command + "' /dev/null");
}

}  // namespace

TEST_CASE("stats counts hits, misses and getter runs per label", "[e2e][stats]") {
  Sandbox box;
  box.config(counted_workers);
  box.dj("get echo a");
  box.dj("get echo a");
  box.dj("get echo a");
  box.dj("get echo b");
  box.dj("get --force echo b");
  CHECK(box.dj("get fails").code == 3);
  auto stats = stats_json(box);
  const auto& echo = stats["labels"]["echo"];
  CHECK(echo["entries"] == 2);
  CHECK(echo["bytes"] == 4);
  CHECK(echo["hits"] == 2);
  CHECK(echo["misses"] == 3);
  CHECK(echo["getter_runs"] == 3);
  CHECK(echo["getter_failures"] == 0);
  const auto& fails = stats["labels"]["fails"];
  CHECK(fails["entries"] == 0);
  CHECK(fails["misses"] == 1);
  CHECK(fails["getter_runs"] == 1);
  CHECK(fails["getter_failures"] == 1);
  CHECK(stats["total"]["hits"] == 2);
  CHECK(stats["total"]["getter_runs"] == 4);

  SECTION("refresh runs getters but is no get") {
    box.dj("refresh echo");
    auto after = stats_json(box);
    CHECK(after["labels"]["echo"]["getter_runs"] == 5);
    CHECK(after["labels"]["echo"]["misses"] == 3);
  }
  SECTION("the table has a row per label and a total") {
    auto run = box.dj("stats");
    CHECK(run.code == 0);
    CHECK(contains(run.out, "LABEL"));
    CHECK(contains(run.out, "\necho "));
    CHECK(contains(run.out, "\nfails "));
    CHECK(contains(run.out, "\nTOTAL "));
    CHECK(contains(run.out, "last purge: never"));
  }
  SECTION("purge records the last purge") {
    box.env["DJ_CACHE_TEST_NOW"] = "2000000000";
    box.dj("purge --expired");
    CHECK(stats_json(box)["last_purge"] == 2000000000.0);
  }
}

TEST_CASE("stats --json is one document of a fixed shape", "[e2e][stats]") {
  Sandbox box;
  box.config(counted_workers);
  SECTION("a missing store: empty stats, exit 0, nothing created") {
    auto stats = stats_json(box);
    CHECK(stats["labels"] == nlohmann::json::object());
    CHECK(stats["total"]["entries"] == 0);
    CHECK(stats["last_purge"].is_null());
    CHECK(stats["jobs"] == 0);
    CHECK_FALSE(fs::exists(box.store()));
    CHECK(box.dj("stats").code == 0);
  }
  SECTION("every counter of every label") {
    box.dj("get short");
    auto stats = stats_json(box);
    for (const char* field : {"entries", "bytes", "hits", "misses", "stale_serves", "getter_runs",
                              "getter_failures", "getter_ms", "evictions", "served_on_error"}) {
      CHECK(stats["labels"]["short"][field].is_number_unsigned());
      CHECK(stats["total"][field].is_number_unsigned());
    }
  }
}

TEST_CASE("counting lives outside the data file: a damaged stats file fails no get", "[e2e][stats]") {
  Sandbox box;
  box.config(counted_workers);
  REQUIRE(box.dj("get echo x").out == "x\n");
  box.write("store/stats", "garbage", 0600);
  CHECK(stats_json(box)["labels"]["echo"]["hits"] == 0);  // ignored when read
  auto run = box.dj("get echo x");
  CHECK(run.code == 0);
  CHECK(run.out == "x\n");
  CHECK(stats_json(box)["labels"]["echo"]["hits"] == 1);  // replaced when counted
  auto mode = fs::status(box.store() / "stats").permissions();
  CHECK(mode == (fs::perms::owner_read | fs::perms::owner_write));
}

TEST_CASE("colour only on a terminal and never with NO_COLOR", "[e2e][output]") {
  Sandbox box;
  box.config(counted_workers);
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  box.dj("get echo a");
  box.dj("get short");
  box.env["DJ_CACHE_TEST_NOW"] = "1000005";  // short: expired and stale
  SECTION("not a terminal: no escape codes") {
    for (const char* command : {"list", "stats", "workers"}) {
      auto run = box.dj(command);
      CHECK(run.code == 0);
      CHECK_FALSE(contains(run.out, "\033"));
    }
  }
  SECTION("a terminal: expired in red, stale in yellow") {
    auto run = on_terminal(box, "list");
    CHECK(run.code == 0);
    CHECK(contains(run.out, "\033[31mexpired\033[0m"));
    CHECK(contains(run.out, "\033[33mstale\033[0m"));
  }
  SECTION("a terminal with NO_COLOR: none") {
    box.env["NO_COLOR"] = "1";
    for (const char* command : {"list", "stats"}) {
      auto run = on_terminal(box, command);
      CHECK(run.code == 0);
      CHECK(contains(run.out, "LABEL"));
      CHECK_FALSE(contains(run.out, "\033"));
    }
  }
}

TEST_CASE("progress is drawn on a terminal only, and erased before the summary", "[e2e][output]") {
  Sandbox box;
  box.config(R"([workers.slow]
command = "sleep 0.15; echo $1"
)");
  box.dj("warm slow", "1\n2\n3\n");
  auto piped = box.dj("refresh slow");
  CHECK(piped.code == 0);
  CHECK_FALSE(contains(piped.err, "\r"));
  CHECK(contains(piped.err, "refresh: 3 recomputed"));
  auto terminal = on_terminal(box, "refresh slow");
  CHECK(terminal.code == 0);
  CHECK(contains(terminal.out, "dj-cache: refresh 1/3 (33%)"));
  CHECK(contains(terminal.out, "\r\033[Kdj-cache: refresh: 3 recomputed"));
  auto quiet = on_terminal(box, "-q refresh slow");
  CHECK_FALSE(contains(quiet.out, "refresh"));
}

TEST_CASE("every subcommand's --help exits 0 with an example", "[e2e][cli]") {
  Sandbox box;
  box.config(counted_workers);
  auto top = box.dj("--help");
  REQUIRE(top.code == 0);
  auto listed = box.sh("\"$DJ\" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'");
  std::vector<std::string> commands;
  std::string word;
  for (char c : listed.out) {
    if (c == '\n') {
      if (!word.empty()) commands.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  CHECK(commands.size() >= 14);
  for (const auto& command : commands) {
    INFO(command);
    auto help = box.dj(command + " --help");
    CHECK(help.code == 0);
    CHECK(contains(help.out, "Example"));
  }
}

TEST_CASE("every examples/*.toml is a valid config", "[e2e][examples]") {
  Sandbox box;
  const fs::path examples = fs::path(DJ_CACHE_SOURCE_DIR) / "examples";
  int configs = 0;
  for (const auto& file : fs::directory_iterator(examples)) {
    if (file.path().extension() != ".toml") continue;
    INFO(file.path());
    ++configs;
    // A copy: the trust rule refuses a group-writable file, whatever the checkout's umask.
    std::string name = file.path().filename().string();
    box.write(name, box.sh("cat '" + file.path().string() + "'").out);
    auto run = box.dj("-c " + name + " workers");
    CHECK(run.code == 0);
    CHECK(run.err.empty());
  }
  CHECK(configs >= 4);
}

TEST_CASE("examples/dj-cache-fallback.sh runs the command without dj-cache", "[e2e][examples]") {
  Sandbox box;
  box.config(counted_workers);
  const std::string script = std::string(DJ_CACHE_SOURCE_DIR) + "/examples/dj-cache-fallback.sh";
  box.env["FALLBACK"] = script;
  // dj-cache on the PATH: the worker answers.
  auto with = box.sh("mkdir -p bin && ln -sf \"$DJ\" bin/dj-cache && PATH=\"$PWD/bin:$PATH\" && "
                     ". \"$FALLBACK\" && dj_cached echo a -- echo fallback");
  CHECK(with.code == 0);
  CHECK(with.out == "a\n");
  // An unknown label (69): the command runs.
  auto unknown = box.sh("PATH=\"$PWD/bin:$PATH\" && . \"$FALLBACK\" && dj_cached nope -- echo fallback");
  CHECK(unknown.out == "fallback\n");
  // No dj-cache at all.
  auto without = box.sh("PATH=/usr/bin:/bin && . \"$FALLBACK\" && dj_cached echo a -- echo fallback");
  CHECK(without.code == 0);
  CHECK(without.out == "fallback\n");
}
