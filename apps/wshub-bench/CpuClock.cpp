#include "CpuClock.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace wshub::bench {

double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::optional<double> process_cpu_seconds(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return std::nullopt;
  char line[1024];
  const size_t n = std::fread(line, 1, sizeof(line) - 1, file);
  std::fclose(file);
  line[n] = '\0';
  // Field 2 (comm) is in parentheses and may itself contain spaces and ')': the fields
  // we want are counted from the last ')'. After it: state(3) ppid(4) ... utime(14) stime(15).
  const char* rest = std::strrchr(line, ')');
  if (!rest) return std::nullopt;
  unsigned long long utime = 0, stime = 0;
  const int matched =
      std::sscanf(rest + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime);
  if (matched != 2) return std::nullopt;
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  return static_cast<double>(utime + stime) / ticks_per_second;
}

std::optional<double> host_busy_cpu_seconds() {
  FILE* file = std::fopen("/proc/stat", "r");
  if (!file) return std::nullopt;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
  const int matched = std::fscanf(file, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system,
                                  &idle, &iowait, &irq, &softirq);
  std::fclose(file);
  if (matched != 7) return std::nullopt;
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  return static_cast<double>(user + nice + system + irq + softirq) / ticks_per_second;
}

double monotonic_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

}  // namespace wshub::bench
