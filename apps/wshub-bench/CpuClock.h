#pragma once
// CPU time of this process and of the server under test, read at the edges of the
// measurement window so a figure always comes with what it cost on both sides.
#include <sys/types.h>

#include <optional>

namespace wshub::bench {

// User + system CPU seconds of this process, all threads (getrusage(RUSAGE_SELF)).
double self_cpu_seconds();

// User + system CPU seconds of process `pid`, all threads, from /proc/PID/stat
// (fields 14 and 15, in clock ticks of sysconf(_SC_CLK_TCK), so 10 ms resolution).
// nullopt when the process does not exist or the file cannot be parsed.
std::optional<double> process_cpu_seconds(pid_t pid);

// Busy CPU seconds of the whole machine, all cores, from the first line of /proc/stat
// (user + nice + system + irq + softirq). Minus the server's and ours, it tells how much
// else ran during the window: on a shared host that is the noise beside every figure.
std::optional<double> host_busy_cpu_seconds();

// Seconds of a monotonic clock (CLOCK_MONOTONIC).
double monotonic_seconds();

}  // namespace wshub::bench
