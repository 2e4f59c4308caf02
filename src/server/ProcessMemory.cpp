#include "server/ProcessMemory.h"

#include <unistd.h>

#include <cstdio>

namespace wshub::server {

std::optional<ProcessMemory> read_process_memory() {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (!file) return std::nullopt;
  unsigned long long size_pages = 0, resident_pages = 0;
  int fields = std::fscanf(file, "%llu %llu", &size_pages, &resident_pages);
  std::fclose(file);
  if (fields != 2) return std::nullopt;
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  return ProcessMemory{resident_pages * static_cast<uint64_t>(page), size_pages * static_cast<uint64_t>(page)};
}

}  // namespace wshub::server
