// End-to-end: `cmake --install` of the build tree the tested binary comes from,
// under a prefix and under DESTDIR, puts every file of SPEC.md §7 in place; the
// man pages render without warnings and document every command and option the
// binary shows in --help and every config key; the installed pieces work together.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

using djc::e2e::Run;
using djc::e2e::Sandbox;

namespace {

namespace fs = std::filesystem;

const fs::path k_build_dir = fs::path(DJ_CACHE_BIN).parent_path();
const fs::path k_source_dir = DJ_CACHE_SOURCE_DIR;

// Every installed file, relative to the prefix.
const std::vector<std::string> k_installed{
    "bin/dj-cache",
    "share/man/man1/dj-cache.1",
    "share/man/man5/dj-cache.toml.5",
    "share/bash-completion/completions/dj-cache",
    "share/zsh/site-functions/_dj-cache",
    "share/fish/vendor_completions.d/dj-cache.fish",
};

// Every key of a worker table (core/config_worker.cpp) and of the other tables.
const std::vector<std::string> k_config_keys{
    "command", "structure_getter", "timeout", "key_gen", "cached_entity", "wait",
    "tick_amount", "tick", "relevance_invalidation", "relevance_timeout",
    "delay_invalidation", "delay_countdown", "delay_logging", "getter_timeout", "env", "cwd",
    "depends_on", "cache_failures", "serve_stale_on_error", "label",
    // top level, [store], rules, [events]
    "include", "[store]", "[defaults]", "[events]", "backend", "path", "max_size", "url",
    "prefix", "connect_timeout", "operation_timeout", "lease", "worker", "is_empty", "fields", "when_changed", "spool", "invalidates",
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The page as man shows it, without formatting: for searching its text.
std::string render(const Sandbox& box, const fs::path& page) {
  Run run = box.sh("groff -man -Tutf8 -P-cbou " + quote(page.string()));
  REQUIRE(run.code == 0);
  return run.out;
}

// Subcommands of `dj-cache --help` (hidden __* left out), and the options of
// `dj-cache [COMMAND] --help`.
std::set<std::string> help_subcommands(const Sandbox& box) {
  std::set<std::string> names;
  bool in_section = false;
  for (const std::string& line : split_lines(box.dj("--help").out)) {
    if (line == "Subcommands:") {
      in_section = true;
    } else if (in_section && line.rfind("  ", 0) == 0) {
      std::istringstream words(line);
      std::string name;
      words >> name;
      if (name.rfind("__", 0) != 0) names.insert(name);
    } else if (!line.empty()) {
      in_section = false;
    }
  }
  return names;
}

std::set<std::string> help_options(const Sandbox& box, const std::string& command) {
  std::set<std::string> names;
  bool in_section = false;
  for (const std::string& line : split_lines(box.dj(command + " --help").out)) {
    if (line == "Options:") {
      in_section = true;
    } else if (in_section && line.rfind("  -", 0) == 0) {
      std::istringstream words(line);
      std::string spec;
      words >> spec;
      std::istringstream parts(spec);
      for (std::string name; std::getline(parts, name, ',');) names.insert(name);
    } else if (line.rfind("  ", 0) != 0) {
      in_section = false;
    }
  }
  return names;
}

void check_tree(const Sandbox& box, const fs::path& prefix) {
  for (const std::string& file : k_installed) {
    INFO(file);
    fs::path path = prefix / file;
    REQUIRE(fs::is_regular_file(path));
    CHECK(fs::file_size(path) > 0);
  }
  struct stat status {};
  REQUIRE(::stat((prefix / "bin/dj-cache").c_str(), &status) == 0);
  CHECK((status.st_mode & 0111) == 0111);
  Run version = box.sh(quote((prefix / "bin/dj-cache").string()) + " --version");
  CHECK(version.code == 0);
  CHECK(contains(version.out, "dj-cache"));
  // The completions are installed as they are in the source tree.
  CHECK(slurp(prefix / "share/bash-completion/completions/dj-cache") ==
        slurp(k_source_dir / "completions/dj-cache.bash"));
  CHECK(slurp(prefix / "share/zsh/site-functions/_dj-cache") ==
        slurp(k_source_dir / "completions/_dj-cache"));
  CHECK(slurp(prefix / "share/fish/vendor_completions.d/dj-cache.fish") ==
        slurp(k_source_dir / "completions/dj-cache.fish"));
}

}  // namespace

TEST_CASE("cmake --install puts every file in place, under a prefix and DESTDIR",
          "[e2e][lmdb][install]") {
  Sandbox box;
  REQUIRE(fs::exists(k_build_dir / "cmake_install.cmake"));
  const std::string build = quote(k_build_dir.string());

  SECTION("--prefix") {
    fs::path prefix = box.dir() / "prefix";
    Run run = box.sh("cmake --install " + build + " --prefix " + quote(prefix.string()));
    INFO(run.out << run.err);
    REQUIRE(run.code == 0);
    check_tree(box, prefix);

    // The installed pieces work together: the installed bash completion asks the
    // installed binary for the labels of the active config.
    box.config("[workers.installed_label]\ncommand = [\"echo\"]\n");
    box.env["PATH"] = (prefix / "bin").string() + ":/usr/bin:/bin";
    Run completion = box.sh(
        "bash --norc --noprofile -c 'source \"$0\"; COMP_WORDS=(dj-cache get \"\"); "
        "COMP_CWORD=2; COMP_LINE=\"dj-cache get \"; COMP_POINT=13; _dj_cache dj-cache \"\" get; "
        "printf \"%s\\n\" \"${COMPREPLY[@]}\"' " +
        quote((prefix / "share/bash-completion/completions/dj-cache").string()));
    CHECK(completion.out == "installed_label\n");
    CHECK(completion.err.empty());
  }
  SECTION("DESTDIR") {
    fs::path destdir = box.dir() / "stage";
    Run run = box.sh("DESTDIR=" + quote(destdir.string()) + " cmake --install " + build +
                     " --prefix /opt/dj-cache-test");
    INFO(run.out << run.err);
    REQUIRE(run.code == 0);
    check_tree(box, destdir / "opt/dj-cache-test");
    CHECK_FALSE(fs::exists("/opt/dj-cache-test"));
  }
}

TEST_CASE("the man pages render without warnings", "[e2e][lmdb][install][man]") {
  Sandbox box;
  for (const char* page : {"dj-cache.1", "dj-cache.toml.5"}) {
    fs::path path = k_build_dir / "man" / page;
    INFO(path.string());
    REQUIRE(fs::is_regular_file(path));
    // -ww: every warning; -z: no output, so anything printed is a warning.
    Run groff = box.sh("groff -man -Tutf8 -ww -z " + quote(path.string()));
    CHECK(groff.code == 0);
    CHECK(groff.err.empty());
    CHECK(groff.out.empty());
    if (box.sh("command -v man >/dev/null").code == 0) {
      Run man = box.sh("MANWIDTH=80 LC_ALL=C.UTF-8 man -l " + quote(path.string()));
      CHECK(man.code == 0);
      CHECK(man.err.empty());
      CHECK(contains(man.out, "NAME"));
    }
  }
}

TEST_CASE("dj-cache(1) documents every command, option and exit code", "[e2e][lmdb][install][man]") {
  Sandbox box;
  std::string page = render(box, k_build_dir / "man/dj-cache.1");
  for (const char* section : {"SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS",
                              "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"}) {
    CHECK(contains(page, std::string("\n") + section + "\n"));
  }
  for (const std::string& command : help_subcommands(box)) {
    INFO(command);
    CHECK((contains(page, "dj-cache " + command) || contains(page, "\n   " + command)));
    for (const std::string& option : help_options(box, command)) {
      INFO(option);
      CHECK(contains(page, option));
    }
  }
  for (const std::string& option : help_options(box, "")) {
    INFO(option);
    CHECK(contains(page, option));
  }
  // Commands of SPEC.md §4 that may not be built yet are documented all the same.
  for (const char* command : {"refresh", "invalidate", "notify", "work", "stats"}) {
    CHECK(contains(page, std::string("dj-cache ") + command));
  }
  for (const char* code : {"0", "1", "64", "65", "69", "74", "75", "78", "124"}) {
    INFO(code);
    CHECK(contains(page, std::string("\n       ") + code + "\n"));
  }
  for (const char* variable : {"DJ_CACHE_CONFIG", "DJ_CACHE_STORE", "XDG_CONFIG_HOME",
                               "XDG_CACHE_HOME", "HOME", "NO_COLOR", "DJ_CACHE_TEST_NOW",
                               "DJ_CACHE_LABEL", "DJ_CACHE_KEY", "DJ_CACHE_ARGS",
                               "DJ_CACHE_ARGS_FILE"}) {
    CHECK(contains(page, variable));
  }
  // The cron examples.
  CHECK(contains(page, "refresh --stale"));
  CHECK(contains(page, "work --once"));
  CHECK(contains(page, "purge --expired"));
}

TEST_CASE("dj-cache.toml(5) documents every config key", "[e2e][lmdb][install][man]") {
  Sandbox box;
  std::string page = render(box, k_build_dir / "man/dj-cache.toml.5");
  for (const std::string& key : k_config_keys) {
    INFO(key);
    CHECK(contains(page, key));
  }
  for (const char* topic : {"DURATIONS AND SIZES", "SOURCES AND RULES", "EVENTS", "TRUST",
                            "INCLUDED FILES", "\"1h30m\"", "\"4GiB\"", "1GiB"}) {
    CHECK(contains(page, topic));
  }
}
