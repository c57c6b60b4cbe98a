// The build identity: the GNU build ID note of the running program.
#include "core/build_identity.hpp"

#include <elf.h>
#include <link.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace djc {
namespace {

int find_build_id(struct dl_phdr_info* info, std::size_t, void* data) {
  auto& id = *static_cast<std::string*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = info->dlpi_phdr[i];
    if (header.p_type != PT_NOTE) continue;
    const char* note = reinterpret_cast<const char*>(info->dlpi_addr + header.p_vaddr);
    const char* end = note + header.p_memsz;
    while (end - note >= static_cast<std::ptrdiff_t>(sizeof(ElfW(Nhdr)))) {
      ElfW(Nhdr) nhdr;
      std::memcpy(&nhdr, note, sizeof nhdr);
      std::size_t name_size = (nhdr.n_namesz + 3) & ~std::size_t{3};
      std::size_t desc_size = (nhdr.n_descsz + 3) & ~std::size_t{3};
      const char* name = note + sizeof nhdr;
      const char* desc = name + name_size;
      if (desc + desc_size > end) break;
      if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0) {
        id.assign("build-id:").append(desc, nhdr.n_descsz);
        return 1;
      }
      note = desc + desc_size;
    }
  }
  return 1;  // only the program itself, the first object listed
}

}  // namespace

const std::string& build_identity() {
  static const std::string identity = [] {
    std::string id;
    dl_iterate_phdr(find_build_id, &id);
    if (id.empty()) {
      struct stat status {};
      if (::stat("/proc/self/exe", &status) == 0) {
        id = fmt::format("exe:{}:{}:{}:{}.{}", status.st_dev, status.st_ino, status.st_size,
                         status.st_mtim.tv_sec, status.st_mtim.tv_nsec);
      }
    }
    return id;
  }();
  return identity;
}

}  // namespace djc
