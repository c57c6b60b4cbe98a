// End-to-end store faults beyond commands_test.cpp: a truncated or damaged
// data.mdb, a read-only store, a full disk, a newer schema — each exit 74 with one
// clear line, never a crash and never a silent wipe (the file stays as it was).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "harness.hpp"
#include "store_probe.hpp"

using djc::e2e::is_one_error;
using djc::e2e::Run;
using djc::e2e::Sandbox;

namespace {

// Values of `size` bytes, all the letter given as the first argument.
std::string letters_config(int size, const std::string& extra = "") {
  return "[workers.big]\ncommand = 'head -c " + std::to_string(size) +
         " /dev/zero | tr \"\\\\0\" \"$1\"'\n" + extra;
}

std::string letters(char letter, int size) { return std::string(size, letter); }

void check_refused(const Run& run, const std::string& expected) {
  INFO("stderr: " << run.err);
  CHECK(run.code == 74);
  CHECK(is_one_error(run.err));
  CHECK(run.err.find(expected) != std::string::npos);
}

// A mount made for a test and undone by its destructor; skipped (with a WARN)
// where the test cannot mount (no CAP_SYS_ADMIN).
class Mount {
 public:
  Mount(const Sandbox& box, const std::string& dir, const std::string& commands)
      : box_(box), dir_(dir) {
    Run run = box.sh("mkdir -p " + dir + " && " + commands);
    mounted_ = run.code == 0;
    if (!mounted_) WARN("cannot mount here, skipped: " << run.err);
  }
  ~Mount() {
    if (mounted_) box_.sh("umount " + dir_);
  }
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;
  explicit operator bool() const { return mounted_; }

 private:
  const Sandbox& box_;
  std::string dir_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("a truncated data.mdb is refused, not read past its end", "[e2e][lmdb][store][faults]") {
  Sandbox box;
  box.config(letters_config(300000));
  for (const char* letter : {"a", "b", "c"}) REQUIRE(box.dj(std::string("get big ") + letter).code == 0);
  std::filesystem::resize_file(box.store() / "data.mdb", 200000);
  std::string before = box.read("store/data.mdb");
  for (const char* command : {"get big a", "get big d", "list", "export", "check", "purge"}) {
    INFO(command);
    check_refused(box.dj(command), "data.mdb is truncated");
  }
  CHECK(box.read("store/data.mdb") == before);
}

TEST_CASE("a damaged page of data.mdb gives 74 or a sound answer, never a crash", "[e2e][lmdb][store][faults]") {
  Sandbox box;
  box.config(letters_config(9000));
  for (const char* letter : {"a", "b", "c", "d"}) REQUIRE(box.dj(std::string("get big ") + letter).code == 0);
  const std::string good = box.read("store/data.mdb");
  const std::size_t page = 4096, pages = good.size() / page;
  int refused = 0;
  for (std::size_t number = 2; number < pages; ++number) {  // pages 0 and 1 are LMDB's meta pages
    std::string damaged = good;
    for (std::size_t i = 0; i < 48; ++i) damaged[number * page + i] = static_cast<char>(0xA5 ^ (i * 37));
    for (const char* command : {"get big a", "get big d", "list", "check", "get big z"}) {
      box.write("store/data.mdb", damaged, 0600);
      Run run = box.dj(command);
      INFO("page " << number << ", " << command << ": " << run.err);
      CHECK((run.code == 0 || run.code == 74));
      if (run.code == 74) {
        ++refused;
        if (std::string(command) != "check") CHECK(is_one_error(run.err));  // check lists problems
        CHECK(box.read("store/data.mdb") == damaged);  // refused: nothing written
      }
      if (run.code == 0 && std::string(command) == "get big a") CHECK(run.out == letters('a', 9000));
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("a damaged overflow page count is refused, not freed for hours", "[e2e][lmdb][store][faults]") {
  Sandbox box;
  box.config(letters_config(300000));
  REQUIRE(box.dj("get big a").code == 0);
  std::string data = box.read("store/data.mdb");
  // The first overflow page of the value: LMDB's header flags P_OVERFLOW (0x04) and
  // the count of pages the value spans, (16 - 1 + 300000) / 4096 + 1 = 74.
  bool damaged = false;
  for (std::size_t page = 2 * 4096; page + 16 <= data.size() && !damaged; page += 4096) {
    if ((data[page + 10] & 0x04) && static_cast<unsigned char>(data[page + 12]) == 74 && data[page + 13] == 0) {
      data.replace(page + 12, 4, "\xff\xff\xff\x7f");
      damaged = true;
    }
  }
  REQUIRE(damaged);
  box.write("store/data.mdb", data, 0600);
  CHECK(box.dj("get big a").out == letters('a', 300000));  // reading does not use the count
  for (const char* command : {"get --force big a", "purge", "purge big", "purge --expired"}) {
    INFO(command);
    if (std::string(command) == "purge --expired") box.env["DJ_CACHE_TEST_NOW"] = "99999999999";
    check_refused(box.sh(std::string("timeout 20 \"$DJ\" ") + command), "the pages of entry big:a are damaged");
  }
  CHECK(box.read("store/data.mdb") == data);
}

TEST_CASE("a store path that is a file, or a data.mdb that is not, gives 74", "[e2e][lmdb][store][faults]") {
  Sandbox box;
  box.config(letters_config(10));
  SECTION("the store is a file: every command that opens it") {
    box.write("store", "not a dir", 0600);
    for (const char* command : {"list", "export", "check", "migrate", "purge", "import"}) {
      INFO(command);
      check_refused(box.dj(command), "not a directory");
    }
    CHECK(box.read("store") == "not a dir");
  }
  SECTION("data.mdb is a directory") {
    box.sh("mkdir -p store/data.mdb && chmod 700 store");
    check_refused(box.dj("get big a"), "data.mdb is not a regular file");
    CHECK(std::filesystem::is_directory(box.store() / "data.mdb"));
  }
}

TEST_CASE("a read-only store serves hits, gives 74 for the rest and stays as it was",
          "[e2e][lmdb][store][faults]") {
  Sandbox box;
  box.config(letters_config(1000));
  const Run first = box.dj("get big a");
  REQUIRE(first.code == 0);
  const std::string before = box.read("store/data.mdb");
  // Root ignores permission bits: a read-only bind mount binds even root.
  Mount mount(box, "store", "mount --bind store store && mount -o remount,bind,ro store");
  if (!mount) return;
  // A hit only reads: the store is opened read-only for it.
  const Run hit = box.dj("get big a");
  CHECK(hit.code == 0);
  CHECK(hit.out == first.out);
  for (const char* command : {"get big b", "get --force big a", "list", "export", "check", "purge",
                              "migrate"}) {
    INFO(command);
    check_refused(box.dj(command), "Read-only file system");
  }
  CHECK(box.read("store/data.mdb") == before);
}

TEST_CASE("a full disk gives 74, and the store keeps what it had", "[e2e][lmdb][store][faults]") {
  Sandbox box;
  box.config(letters_config(300000));
  box.env["DJ_CACHE_STORE"] = (box.dir() / "disk" / "store").string();
  Mount mount(box, "disk", "mount -t tmpfs -o size=1m tmpfs disk");
  if (!mount) return;
  std::string served;
  Run run;
  for (char letter = 'a'; letter <= 'h'; ++letter) {
    run = box.dj(std::string("get big ") + letter);
    if (run.code != 0) break;
    served += letter;
  }
  INFO("stored before the disk filled: " << served << "; stderr: " << run.err);
  REQUIRE(run.code == 74);
  CHECK(is_one_error(run.err));
  CHECK(run.err.find("is the disk full?") != std::string::npos);
  REQUIRE_FALSE(served.empty());
  CHECK(box.dj("check").code == 0);
  for (char letter : served) CHECK(box.dj(std::string("get big ") + letter).out == letters(letter, 300000));
  box.dj("purge");  // room again: the store works on
  CHECK(box.dj("get big z").out == letters('z', 300000));
}

TEST_CASE("a store from a newer schema is refused by every command", "[e2e][lmdb][store][faults]") {
  Sandbox box;
  box.config(letters_config(10));
  REQUIRE(box.dj("get big a").code == 0);
  REQUIRE(box.sh("printf 'schema_version\\n99\\n' | mdb_load -s meta -T store").code == 0);
  const std::string before = box.read("store/data.mdb");
  for (const char* command : {"get big a", "get big b", "list", "export", "check", "purge",
                              "migrate", "migrate --check", "import"}) {
    INFO(command);
    check_refused(box.dj(command), "written by a newer dj-cache (schema 99)");
  }
  CHECK(box.read("store/data.mdb") == before);
}
