#pragma once
// The process's memory as Linux reports it in /proc/self/statm (pages, converted to
// bytes): resident set size and virtual size. Read on scrape, never on a hot path.
#include <cstdint>
#include <optional>

namespace wshub::server {

struct ProcessMemory {
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
};

// Nothing when /proc is not mounted or unreadable.
std::optional<ProcessMemory> read_process_memory();

}  // namespace wshub::server
