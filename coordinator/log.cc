#include "coordinator/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace ckpt::coord {

namespace {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "?";
}

bool level_from_word(const std::string& word, LogLevel* out) {
  static const char* const kNames[] = {"error", "warn", "info", "debug"};
  for (int i = 0; i < 4; ++i) {
    if (word == kNames[i]) {
      *out = static_cast<LogLevel>(i);
      return true;
    }
  }
  if (word == "trace") {
    *out = LogLevel::kDebug;
    return true;
  }
  return false;
}

std::string iso_now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  localtime_r(&ts.tv_sec, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%03ld", ts.tv_nsec / 1000000);
  return buf;
}

}  // namespace

Log::Log() { set_level(parse_log_level(getenv("CKPT_LOG"), LogLevel::kInfo)); }

Log::~Log() {
  if (owns_fd_) {
    close(fd_);
  }
}

bool Log::open_file(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return false;
  }
  if (owns_fd_) {
    close(fd_);
  }
  fd_ = fd;
  owns_fd_ = true;
  return true;
}

void Log::write(LogLevel level, const std::string& msg) const {
  if (!enabled(level)) {
    return;
  }
  std::string line = iso_now() + " coordinator " + level_name(level) + ": " + msg + "\n";
  ssize_t r = ::write(fd_, line.data(), line.size());
  (void)r;
}

// Accepts a global level word and/or `coordinator=<level>`; the latter wins.
LogLevel parse_log_level(const char* spec, LogLevel fallback) {
  if (spec == nullptr) {
    return fallback;
  }
  LogLevel result = fallback;
  std::string s(spec);
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    LogLevel parsed;
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      // A global word only raises verbosity: the launcher's CKPT_LOG=warn is meant for the
      // application's processes, and the coordinator logs at info by default.
      if (level_from_word(item, &parsed) && parsed > result) {
        result = parsed;
      }
    } else if (item.substr(0, eq) == "coordinator" &&
               level_from_word(item.substr(eq + 1), &parsed)) {
      return parsed;
    }
    if (comma == std::string::npos) {
      break;
    }
    pos = comma + 1;
  }
  return result;
}

}  // namespace ckpt::coord
