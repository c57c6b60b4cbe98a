// End-to-end: shell completion. `dj-cache __complete` (the quiet listing mode the
// completions ask), then each shell's completion file exercised in that shell:
// bash by calling the registered completion function with COMP_WORDS set, zsh by
// calling _dj-cache with $words/$CURRENT set and the compsys output functions
// stubbed, fish through `complete --do-complete`. Each must offer the labels and
// sources of the active config (following -c/--config on the line), and every
// subcommand and option that `dj-cache --help` shows.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

using djc::e2e::Run;
using djc::e2e::Sandbox;

namespace {

namespace fs = std::filesystem;

using Names = std::set<std::string>;

const std::string k_completions = std::string(DJ_CACHE_SOURCE_DIR) + "/completions";

const char* k_main_config = R"([workers.alpha]
command = ["echo"]
[workers.beta-2]
command = ["echo"]
[sources.orders]
[[sources.orders.invalidates]]
worker = "alpha"
is_empty = true
)";

const char* k_other_config = R"([workers.gamma]
command = ["echo"]
[sources.shipments]
)";

const Names k_main_labels{"alpha", "beta-2"};
const Names k_other_labels{"gamma"};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// One word for /bin/sh, single-quoted.
std::string quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// Candidates, one per line; fish's "candidate<TAB>description" loses its description.
Names candidates(const std::string& out) {
  Names names;
  for (const std::string& line : split_lines(out)) {
    if (line.empty()) continue;
    names.insert(line.substr(0, line.find('\t')));
  }
  return names;
}

bool includes(const Names& all, const Names& part) {
  for (const std::string& name : part) {
    if (!all.count(name)) return false;
  }
  return true;
}

// The subcommands `dj-cache --help` lists (hidden ones, named __*, left out).
Names help_subcommands(const Sandbox& box) {
  Names names;
  bool in_section = false;
  for (const std::string& line : split_lines(box.dj("--help").out)) {
    if (line == "Subcommands:") {
      in_section = true;
      continue;
    }
    if (!in_section) continue;
    if (line.rfind("  ", 0) != 0) {
      if (!line.empty()) in_section = false;
      continue;
    }
    std::istringstream words(line);
    std::string name;
    words >> name;
    if (!name.empty() && name.rfind("__", 0) != 0) names.insert(name);
  }
  return names;
}

// The options of `dj-cache [COMMAND] --help`: "-f,--force" gives -f and --force.
Names help_options(const Sandbox& box, const std::string& command) {
  Names names;
  bool in_section = false;
  for (const std::string& line : split_lines(box.dj(command + " --help").out)) {
    if (line == "Options:") {
      in_section = true;
      continue;
    }
    if (!in_section) continue;
    if (line.rfind("  -", 0) != 0) {
      if (line.rfind("  ", 0) != 0) in_section = false;
      continue;
    }
    std::istringstream words(line);
    std::string spec;
    words >> spec;
    std::istringstream parts(spec);
    for (std::string name; std::getline(parts, name, ',');) names.insert(name);
  }
  return names;
}

// A sandbox with the two configs, and `dj-cache` on PATH (a link to the built
// binary), as the completion files call it by name. The shells keep their own
// files inside the sandbox.
void prepare(Sandbox& box) {
  box.config(k_main_config);
  box.write("other.toml", k_other_config);
  fs::create_directories(box.dir() / "bin");
  fs::create_symlink(DJ_CACHE_BIN, box.dir() / "bin" / "dj-cache");
  const char* path = std::getenv("PATH");
  box.env["PATH"] = (box.dir() / "bin").string() + ":" + (path ? path : "/usr/bin:/bin");
  box.env["XDG_CONFIG_HOME"] = (box.dir() / ".config").string();
  box.env["XDG_DATA_HOME"] = (box.dir() / ".local/share").string();
  box.env["XDG_CACHE_HOME"] = (box.dir() / ".cache").string();
}

bool installed(const Sandbox& box, const std::string& program) {
  return box.sh("command -v " + program + " >/dev/null 2>&1").code == 0;
}

// bash: sources the completion file, finds the function `complete -p dj-cache`
// registered, sets COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT as bash does for
// the words given (the last one is the word being completed, "" for a new one),
// calls it and prints COMPREPLY.
const char* k_bash_driver = R"(source "$1"; shift
spec=$(complete -p dj-cache) || { echo "dj-cache has no completion" >&2; exit 2; }
function=${spec##*-F }; function=${function%% *}
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
previous=""
(( COMP_CWORD > 0 )) && previous=${COMP_WORDS[COMP_CWORD-1]}
"$function" dj-cache "${COMP_WORDS[COMP_CWORD]}" "$previous"
(( ${#COMPREPLY[@]} )) && printf '%s\n' "${COMPREPLY[@]}"
exit 0
)";

// zsh: autoloads _dj-cache from the completions directory, as compinit would, and
// calls it with $words/$CURRENT as compsys sets them (an assignment before the
// command is not in $words, only in $LBUFFER). The compsys functions that add
// matches are stubbed to print them: _describe its array's items, _files and
// _message a marker.
const char* k_zsh_driver = R"(fpath=("$1" $fpath)
autoload -Uz _dj-cache
_describe() { local name=${argv[-1]}; (( ${#${(P)name}} )) && print -rl -- ${(@)${(P)name}%%:*} }
_files() { print -r -- '<files>' }
_message() { print -r -- '<message>' }
compset() { return 0 }
LBUFFER=$2
words=(${(z)LBUFFER})
while [[ $words[1] == [A-Za-z_]*=* ]]; do shift words; done
[[ -z $LBUFFER || $LBUFFER == *' ' ]] && words+=('')
CURRENT=${#words}
_dj-cache
exit 0
)";

class Shells {
 public:
  Shells() {
    prepare(box);
    box.write("complete.bash", k_bash_driver);
    box.write("complete.zsh", k_zsh_driver);
  }

  // Completions of bash for these words (the last is the one being completed).
  Names bash(const std::vector<std::string>& words) const {
    std::string command = "bash --norc --noprofile ./complete.bash " +
                          quote(k_completions + "/dj-cache.bash");
    for (const std::string& word : words) command += " " + quote(word);
    return checked(box.sh(command), command);
  }

  // Completions of zsh for a line whose end is the cursor.
  Names zsh(const std::string& line) const {
    std::string command = "zsh -f ./complete.zsh " + quote(k_completions) + " " + quote(line);
    return checked(box.sh(command), command);
  }

  // Completions of fish for a line whose end is the cursor.
  Names fish(const std::string& line) const {
    std::string command =
        "fish --no-config -c 'source $argv[1]; complete --do-complete -- $argv[2]' " +
        quote(k_completions + "/dj-cache.fish") + " " + quote(line);
    return checked(box.sh(command), command);
  }

  Sandbox box;

 private:
  // A completion prints nothing on stderr, whatever happens.
  static Names checked(const Run& run, const std::string& command) {
    INFO(command);
    CHECK(run.code == 0);
    CHECK(run.err.empty());
    return candidates(run.out);
  }
};

}  // namespace

TEST_CASE("completion listing mode (__complete): labels and sources, quietly", "[e2e][lmdb][completion]") {
  Sandbox box;
  prepare(box);
  auto quiet = [&box](const std::string& arguments) {
    Run run = box.dj(arguments);
    INFO(arguments);
    CHECK(run.code == 0);
    CHECK(run.err.empty());
    return run.out;
  };
  SECTION("the discovered config ($DJ_CACHE_CONFIG)") {
    CHECK(quiet("__complete labels") == "alpha\nbeta-2\n");
    CHECK(quiet("__complete sources") == "orders\n");
  }
  SECTION("-c/--config wins over $DJ_CACHE_CONFIG") {
    CHECK(quiet("-c other.toml __complete labels") == "gamma\n");
    CHECK(quiet("--config=other.toml __complete sources") == "shipments\n");
    box.env["DJ_CACHE_CONFIG"] = (box.dir() / "other.toml").string();
    CHECK(quiet("__complete labels") == "gamma\n");
  }
  SECTION("no config, a broken one, an untrusted one: nothing, exit 0") {
    CHECK(quiet("-c missing.toml __complete labels").empty());
    box.write("broken.toml", "[workers.x\ncommand = 1\n");
    CHECK(quiet("-c broken.toml __complete labels").empty());
    box.write("unknown.toml", "[workers.x]\ncommand = [\"echo\"]\ntimout = 5\n");
    CHECK(quiet("-c unknown.toml __complete sources").empty());
    box.write("writable.toml", k_other_config, 0666);
    CHECK(quiet("-c writable.toml __complete labels").empty());
    box.env["DJ_CACHE_CONFIG"] = (box.dir() / "nowhere.toml").string();
    CHECK(quiet("__complete labels").empty());
  }
  SECTION("an unknown kind: nothing, exit 0") {
    CHECK(quiet("__complete").empty());
    CHECK(quiet("__complete frobs").empty());
  }
  SECTION("hidden from --help") {
    CHECK(box.dj("--help").out.find("__complete") == std::string::npos);
  }
}

TEST_CASE("bash completion", "[e2e][lmdb][completion][bash]") {
  Shells shells;
  const Sandbox& box = shells.box;
  REQUIRE(installed(box, "bash"));

  SECTION("subcommands and global options: every one --help shows") {
    Names commands = help_subcommands(box);
    REQUIRE(commands.count("get"));
    CHECK(includes(shells.bash({"dj-cache", ""}), commands));
    CHECK(shells.bash({"dj-cache", "wa"}) == Names{"warm"});
    CHECK_FALSE(shells.bash({"dj-cache", "__"}).count("__complete"));
    Names global = help_options(box, "");
    REQUIRE(global.count("--config"));
    CHECK(includes(shells.bash({"dj-cache", "-"}), global));
  }
  SECTION("each subcommand's options: every one its --help shows") {
    for (const std::string& command : help_subcommands(box)) {
      INFO(command);
      CHECK(includes(shells.bash({"dj-cache", command, "-"}), help_options(box, command)));
    }
  }
  SECTION("labels of the active config") {
    CHECK(shells.bash({"dj-cache", "get", ""}) == k_main_labels);
    CHECK(shells.bash({"dj-cache", "get", "b"}) == Names{"beta-2"});
    CHECK(shells.bash({"dj-cache", "get", "--force", "--timeout", "5m", ""}) == k_main_labels);
    for (const char* command : {"warm", "refresh", "invalidate", "list", "purge", "export"}) {
      INFO(command);
      CHECK(shells.bash({"dj-cache", command, ""}) == k_main_labels);
    }
    // After LABEL every word of get is an argument of the worker.
    CHECK(shells.bash({"dj-cache", "get", "alpha", ""}).empty());
    CHECK(shells.bash({"dj-cache", "get", "alpha", "-"}).empty());
  }
  SECTION("run: its options, then a command name") {
    CHECK(shells.bash({"dj-cache", "run", "--st"}) == Names{"--stale", "--stale-on-error", "--stdin"});
    CHECK(shells.bash({"dj-cache", "run", "--", "tru"}).count("true"));
    CHECK(shells.bash({"dj-cache", "run", "--ttl", "5m", "tru"}).count("true"));
    CHECK(shells.bash({"dj-cache", "run", "--", "cat", "-"}).empty());  // the command's own words
  }
  SECTION("-c/--config on the line is followed") {
    CHECK(shells.bash({"dj-cache", "-c", "other.toml", "get", ""}) == k_other_labels);
    CHECK(shells.bash({"dj-cache", "--config", "other.toml", "list", ""}) == k_other_labels);
    // bash splits --config=FILE at '=' (COMP_WORDBREAKS): "--config" "=" "FILE".
    CHECK(shells.bash({"dj-cache", "--config", "=", "other.toml", "get", ""}) == k_other_labels);
    CHECK(shells.bash({"dj-cache", "-cother.toml", "purge", ""}) == k_other_labels);
    CHECK(shells.bash({"dj-cache", "-c", "'other.toml'", "get", ""}) == k_other_labels);
    CHECK(shells.bash({"dj-cache", "-c", "other.toml", "notify", ""}) == Names{"shipments"});
  }
  SECTION("$DJ_CACHE_CONFIG of the shell is followed") {
    shells.box.env["DJ_CACHE_CONFIG"] = (box.dir() / "other.toml").string();
    CHECK(shells.bash({"dj-cache", "get", ""}) == k_other_labels);
  }
  SECTION("sources and operations of notify") {
    CHECK(shells.bash({"dj-cache", "notify", ""}) == Names{"orders"});
    CHECK(shells.bash({"dj-cache", "notify", "orders", ""}) ==
          Names{"create", "update", "delete"});
    CHECK(shells.bash({"dj-cache", "notify", "orders", "update", "--"}) ==
          Names{"--data", "--old", "--new", "--events", "--help"});
  }
  SECTION("file names for --config") {
    CHECK(shells.bash({"dj-cache", "--config", "oth"}) == Names{"other.toml"});
    CHECK(shells.bash({"dj-cache", "--config", "=", "oth"}) == Names{"other.toml"});
    CHECK(shells.bash({"dj-cache", "-c", "dj-"}) == Names{"dj-cache.toml"});
  }
  SECTION("a broken or missing config: no labels, no noise") {
    shells.box.write("broken.toml", "[workers\n");
    CHECK(shells.bash({"dj-cache", "-c", "broken.toml", "get", ""}).empty());
    CHECK(shells.bash({"dj-cache", "-c", "missing.toml", "get", ""}).empty());
  }
}

TEST_CASE("zsh completion", "[e2e][lmdb][completion][zsh]") {
  Shells shells;
  const Sandbox& box = shells.box;
  if (!installed(box, "zsh")) {
    WARN("zsh is not installed (./setup.sh installs it): zsh completion not exercised");
    return;
  }

  SECTION("compinit registers _dj-cache for dj-cache from its #compdef line") {
    Run run = box.sh("zsh -f -c 'fpath=(\"$1\" $fpath); autoload -Uz compinit; compinit -u -D; "
                     "print -r -- $_comps[dj-cache]' zsh " +
                     quote(k_completions));
    CHECK(run.out == "_dj-cache\n");
  }
  SECTION("subcommands and options: every one --help shows") {
    CHECK(includes(shells.zsh("dj-cache "), help_subcommands(box)));
    CHECK(includes(shells.zsh("dj-cache -"), help_options(box, "")));
    for (const std::string& command : help_subcommands(box)) {
      INFO(command);
      CHECK(includes(shells.zsh("dj-cache " + command + " -"), help_options(box, command)));
    }
  }
  SECTION("labels of the active config") {
    CHECK(shells.zsh("dj-cache get ") == k_main_labels);
    CHECK(shells.zsh("dj-cache get --no-wait --wait 1s ") == k_main_labels);
    CHECK(shells.zsh("dj-cache list ") == k_main_labels);
    CHECK(shells.zsh("dj-cache get alpha ") == Names{"<message>"});
  }
  SECTION("-c/--config and DJ_CACHE_CONFIG=... on the line are followed") {
    CHECK(shells.zsh("dj-cache -c other.toml get ") == k_other_labels);
    CHECK(shells.zsh("dj-cache --config=other.toml purge ") == k_other_labels);
    CHECK(shells.zsh("dj-cache -c ~/other.toml refresh ") == k_other_labels);
    CHECK(shells.zsh("DJ_CACHE_CONFIG=other.toml dj-cache get ") == k_other_labels);
  }
  SECTION("sources and operations of notify; files for --config") {
    CHECK(shells.zsh("dj-cache notify ") == Names{"orders"});
    CHECK(shells.zsh("dj-cache notify orders ") == Names{"create", "update", "delete"});
    CHECK(shells.zsh("dj-cache --config ") == Names{"<files>"});
  }
  SECTION("a broken config: no labels, no noise") {
    shells.box.write("broken.toml", "[workers\n");
    CHECK(shells.zsh("dj-cache -c broken.toml get ").empty());
  }
}

TEST_CASE("fish completion", "[e2e][lmdb][completion][fish]") {
  Shells shells;
  const Sandbox& box = shells.box;
  if (!installed(box, "fish")) {
    WARN("fish is not installed (./setup.sh installs it): fish completion not exercised");
    return;
  }

  SECTION("subcommands and options: every one --help shows") {
    CHECK(includes(shells.fish("dj-cache "), help_subcommands(box)));
    CHECK(includes(shells.fish("dj-cache -"), help_options(box, "")));
    for (const std::string& command : help_subcommands(box)) {
      INFO(command);
      CHECK(includes(shells.fish("dj-cache " + command + " -"), help_options(box, command)));
    }
  }
  SECTION("labels of the active config") {
    CHECK(shells.fish("dj-cache get ") == k_main_labels);
    CHECK(shells.fish("dj-cache get be") == Names{"beta-2"});
    CHECK(shells.fish("dj-cache get -f --timeout 5m ") == k_main_labels);
    CHECK(shells.fish("dj-cache invalidate ") == k_main_labels);
    CHECK(shells.fish("dj-cache get alpha ").empty());
  }
  SECTION("run: a command name, then files") {
    CHECK(shells.fish("dj-cache run -- tru").count("true"));
    CHECK(shells.fish("dj-cache run -- cat oth") == Names{"other.toml"});
  }
  SECTION("-c/--config and DJ_CACHE_CONFIG=... on the line are followed") {
    CHECK(shells.fish("dj-cache -c other.toml get ") == k_other_labels);
    CHECK(shells.fish("dj-cache --config=other.toml warm ") == k_other_labels);
    CHECK(shells.fish("DJ_CACHE_CONFIG=other.toml dj-cache get ") == k_other_labels);
  }
  SECTION("sources and operations of notify; files for --config") {
    CHECK(shells.fish("dj-cache notify ") == Names{"orders"});
    CHECK(shells.fish("dj-cache notify orders ") == Names{"create", "update", "delete"});
    CHECK(shells.fish("dj-cache --config oth") == Names{"other.toml"});
  }
  SECTION("a broken config: no labels, no noise") {
    shells.box.write("broken.toml", "[workers\n");
    CHECK(shells.fish("dj-cache -c broken.toml get ").empty());
  }
}
