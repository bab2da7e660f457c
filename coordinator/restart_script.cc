#include "coordinator/restart_script.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "coordinator/str_cat.h"

namespace ckpt::coord {

std::string ckpt_binary_path() {
  const char* env = getenv("CKPT_BIN");
  if (env != nullptr && env[0] != '\0') {
    return env;
  }
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) {
    return "ckpt";
  }
  return std::string(buf, static_cast<size_t>(n));
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

namespace {

// Comment lines must not be broken by a newline hidden in a name.
std::string one_line(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return out;
}

}  // namespace

std::string restart_script_text(const IndexInfo& info, const std::string& ckpt_binary) {
  std::string s = "#!/bin/sh\n";
  s += "# ckpt restart script, written by the coordinator at commit time.\n";
  s += str_cat("# job: ", one_line(info.job_id), "\n");
  s += str_cat("# generation: ", info.generation, "\n");
  s += str_cat("# coordinator: ", one_line(info.coordinator), "\n");
  s += str_cat("# processes: ", info.rows.size(), "\n");
  for (const IndexRow& r : info.rows) {
    s += str_cat("#   vpid ", r.vpid, " parent ", r.parent_vpid, " pid ", r.pid, " host ",
                 one_line(r.host), " program ", one_line(r.program), " image ", one_line(r.image),
                 "\n");
  }
  s += "# Usage: restart.sh [ckpt restart options]\n";
  s += "exec " + shell_quote(ckpt_binary) + " restart \"$(dirname \"$0\")\" \"$@\"\n";
  return s;
}

}  // namespace ckpt::coord
