// coordinator/log.h: the coordinator's log. One line per event, each line written with one
// write(2): `<iso time> coordinator <level>: <msg>`. Default level info (STYLE.md section 5);
// CKPT_LOG=debug or CKPT_LOG=...,coordinator=debug raises it.
#pragma once

#include <string>

namespace ckpt::coord {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

class Log {
 public:
  Log();
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends to `path` (created 0600) instead of stderr. Returns false if it cannot be opened.
  bool open_file(const std::string& path);
  void set_level(LogLevel level) { level_ = level; }
  bool enabled(LogLevel level) const { return level <= level_; }

  void write(LogLevel level, const std::string& msg) const;
  void error(const std::string& msg) const { write(LogLevel::kError, msg); }
  void warn(const std::string& msg) const { write(LogLevel::kWarn, msg); }
  void info(const std::string& msg) const { write(LogLevel::kInfo, msg); }
  void debug(const std::string& msg) const { write(LogLevel::kDebug, msg); }

 private:
  int fd_ = 2;
  bool owns_fd_ = false;
  LogLevel level_ = LogLevel::kInfo;
};

// Level from a CKPT_LOG-style spec ("warn", "info,coordinator=debug"); `fallback` if absent.
LogLevel parse_log_level(const char* spec, LogLevel fallback);

}  // namespace ckpt::coord
