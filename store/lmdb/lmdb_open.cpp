// Finding, creating and opening the LMDB environment of a store directory, with
// its permissions and the checks that turn a damaged store into a clear error.
#include "store/lmdb/lmdb_store_impl.hpp"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "core/error.hpp"
#include "store/lmdb/lmdb_crash_guard.hpp"

namespace djc::lmdb {
namespace {

namespace fs = std::filesystem;

// Readers of many concurrent `get`s each take a slot for a moment; 126 (LMDB's
// default) could run out on a busy host. 512 slots cost 32 KiB of lock file.
constexpr unsigned max_readers = 512;
constexpr MDB_dbi max_dbs = 16;

// No MDB_WRITEMAP: the map stays read-only, so a stray write cannot corrupt the
// store and the file grows only as pages are used. Sync choice: docs/STORE_FORMAT.md.
constexpr unsigned env_flags = MDB_NOTLS | MDB_NORDAHEAD | MDB_NOMETASYNC;

[[noreturn]] void fail_errno(const std::string& where, std::string_view what, int err) {
  throw Error(exit_code::io, where + ": " + std::string(what) + ": " + std::strerror(err));
}

// mkdir -p with mode 0700 for every directory it creates (XDG asks the same of
// cache directories); chmod because the umask may have taken bits off.
void create_directories(const fs::path& dir, const std::string& where) {
  fs::path prefix;
  for (const fs::path& part : dir) {
    prefix /= part;
    if (mkdir(prefix.c_str(), 0700) == 0) {
      if (chmod(prefix.c_str(), 0700) != 0) fail_errno(where, "chmod " + prefix.string(), errno);
    } else if (errno != EEXIST) {
      fail_errno(where, "cannot create " + prefix.string(), errno);
    }
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) fail_errno(where, "cannot create it", errno);
  if (!S_ISDIR(st.st_mode)) throw Error(exit_code::io, where + ": not a directory");
}

// Whether `file` exists. LMDB opens data.mdb and lock.mdb following symlinks (and
// rewrites the lock file): one planted in the store would make us write through
// it into another file. Refuse a symlink, and anything else that is not a
// regular file.
bool regular_file_present(const fs::path& file, const std::string& where) {
  struct stat st {};
  if (lstat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    fail_errno(where, "cannot access " + file.filename().string(), errno);
  }
  if (S_ISLNK(st.st_mode)) {
    throw Error(exit_code::io, where + ": " + file.filename().string() +
                                   " is a symbolic link; refusing to follow it");
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(exit_code::io, where + ": " + file.filename().string() + " is not a regular file");
  }
  return true;
}

// A store directory (the target, when the path is a symlink) owned by someone else
// is theirs to fill with symlinks; as root we would write wherever they point.
void refuse_foreign_owner(const struct stat& dir, const std::string& where) {
  uid_t me = geteuid();
  if (dir.st_uid == me) return;
  throw Error(exit_code::io, where + ": owned by uid " + std::to_string(dir.st_uid) +
                                 ", not by you (uid " + std::to_string(me) +
                                 "); refusing another user's store",
              "use a store of your own (--store, $DJ_CACHE_STORE)");
}

// A data.mdb shorter than its own last page would make LMDB touch pages past the
// end of the file, which the kernel answers with SIGBUS: refuse it instead.
void check_not_truncated(MDB_env* env, const std::string& where) {
  MDB_envinfo info{};
  MDB_stat stat_{};
  check_rc(mdb_env_info(env, &info), where, "read the environment");
  check_rc(mdb_env_stat(env, &stat_), where, "read the environment");
  int fd = -1;
  check_rc(mdb_env_get_fd(env, &fd), where, "read the environment");
  struct stat st {};
  if (fstat(fd, &st) != 0) fail_errno(where, "stat data.mdb", errno);
  std::uint64_t needed = (std::uint64_t{info.me_last_pgno} + 1) * stat_.ms_psize;
  if (static_cast<std::uint64_t>(st.st_size) < needed) {
    throw Error(exit_code::io, where + ": data.mdb is truncated (" + std::to_string(st.st_size) +
                                   " bytes, its pages need " + std::to_string(needed) + ")");
  }
}

}  // namespace

namespace {

// Which files of a store are there, each checked once: nullopt when there is no
// store (no directory or no data.mdb), else whether lock.mdb exists.
std::optional<bool> probe_store(const fs::path& dir, const std::string& where) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    fail_errno(where, "cannot access it", errno);
  }
  if (!S_ISDIR(st.st_mode)) throw Error(exit_code::io, where + ": not a directory");
  refuse_foreign_owner(st, where);
  if (!regular_file_present(dir / "data.mdb", where)) return std::nullopt;
  bool lock = regular_file_present(dir / "lock.mdb", where);
  regular_file_present(dir / "locks", where);  // refused at once, not at the first miss
  return lock;
}

}  // namespace

bool store_exists(const fs::path& dir, const std::string& where) {
  return probe_store(dir, where).has_value();
}

Env open_env(const fs::path& dir, const std::string& where, bool create,
             std::uint64_t initial_map_size, EnvAccess access) {
  const bool read_only = access == EnvAccess::read_only;
  std::optional<bool> has_lock = probe_store(dir, where);
  if (!has_lock && (!create || read_only)) return nullptr;
  if (!has_lock) create_directories(dir, where);
  const fs::path data = dir / "data.mdb";
  const fs::path lock = dir / "lock.mdb";
  const bool new_data = !has_lock;
  // data.mdb may be missing while a planted lock.mdb is not: checked then too.
  const bool new_lock = has_lock ? !*has_lock : !regular_file_present(lock, where);

  MDB_env* raw = nullptr;
  check_rc(mdb_env_create(&raw), where, "create the environment");
  Env env(raw);
  guard_against_damaged_pages(raw, where);
  check_rc(mdb_env_set_maxdbs(raw, max_dbs), where, "configure the environment");
  check_rc(mdb_env_set_maxreaders(raw, max_readers), where, "configure the environment");
  // An existing store keeps the map size recorded in it (grown by whoever filled
  // it); only a new one starts small.
  if (new_data) check_rc(mdb_env_set_mapsize(raw, initial_map_size), where, "set the map size");
  int rc = mdb_env_open(raw, dir.c_str(), env_flags | (read_only ? MDB_RDONLY : 0), 0600);
  if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
    throw Error(exit_code::io, where + ": data.mdb is not a usable LMDB file (" +
                                   mdb_strerror(rc) + "); move it away to start afresh");
  }
  check_rc(rc, where, "open");
  // 0600 whatever the umask: the values may be private to the user.
  if (new_data && chmod(data.c_str(), 0600) != 0) fail_errno(where, "chmod data.mdb", errno);
  if (new_lock && chmod(lock.c_str(), 0600) != 0) fail_errno(where, "chmod lock.mdb", errno);
  check_not_truncated(raw, where);
  // Slots of readers that died (kill -9 during a hit) would pin old pages forever.
  int dead = 0;
  check_rc(mdb_reader_check(raw, &dead), where, "clear stale readers");
  return env;
}

}  // namespace djc::lmdb
