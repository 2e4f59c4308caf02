#pragma once
// Where an idle connection's memory goes: the server's resident set (VmRSS of
// /proc/PID/status: its user-space share), and the kernel's share from /proc/meminfo
// (slab caches: socket, TCP and epoll structures) and /proc/net/sockstat (TCP buffer
// pages, sockets). The kernel figures are host-wide: on loopback they hold both ends of
// every connection (the generator's sockets too), and anything else running on the host.
#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace wshub::bench {

// VmRSS in KiB; nullopt when the process is gone.
std::optional<uint64_t> process_rss_kib(pid_t pid);
// RssAnon in KiB: the private anonymous share of VmRSS (heap, stacks), without the file
// pages (code, libraries) a process faults in the first time it runs a code path.
std::optional<uint64_t> process_rss_anon_kib(pid_t pid);

struct KernelMemory {
  uint64_t mem_available_kib = 0;
  uint64_t slab_kib = 0;  // Slab: reclaimable + unreclaimable
  uint64_t slab_unreclaimable_kib = 0;
  uint64_t sockets_used = 0;   // sockstat "sockets: used"
  uint64_t tcp_inuse = 0;      // sockstat "TCP: inuse"
  uint64_t tcp_mem_pages = 0;  // sockstat "TCP: ... mem": pages of socket buffers
};
KernelMemory read_kernel_memory();

}  // namespace wshub::bench
