// launcher/saved_pids.cc: see saved_pids.h. Runs in `ckpt restart` before it forks anything.
#include "launcher/saved_pids.h"

#include <dirent.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

constexpr unsigned kPfExiting = 0x4;   // PF_EXITING in /proc/<pid>/stat's flags field
constexpr uint64_t kSigkillBit = 1ull << (9 - 1);
constexpr int kCapSysAdmin = 21;
constexpr int kCapCheckpointRestore = 40;
constexpr int kPollMs = 20;
constexpr size_t kListedIds = 8;

// The hex mask after `key` in a /proc/<pid>/status text (0 if absent).
uint64_t status_mask(const std::string& text, const char* key) {
  size_t at = text.find(key);
  if (at == std::string::npos) {
    return 0;
  }
  return std::strtoull(text.c_str() + at + std::strlen(key), nullptr, 16);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool sigkill_pending(int32_t n) {
  std::string st = read_text("/proc/" + std::to_string(n) + "/status");
  return ((status_mask(st, "\nSigPnd:") | status_mask(st, "\nShdPnd:")) & kSigkillBit) != 0;
}

// clone3's set_tid needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN.
bool can_choose_pids() {
  uint64_t caps = status_mask(read_text("/proc/self/status"), "\nCapEff:");
  return ((caps >> kCapCheckpointRestore) & 1) != 0 || ((caps >> kCapSysAdmin) & 1) != 0;
}

std::string id_list(const std::vector<int32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < kListedIds; ++i) {
    out += (i == 0 ? "" : ", ") + std::to_string(ids[i]);
  }
  if (ids.size() > kListedIds) {
    out += " and " + std::to_string(ids.size() - kListedIds) + " more";
  }
  return out;
}

// CKPT_LOG "warn", "error", "fatal" (globally, before any ",module=level") hide info lines.
bool info_wanted() {
  const char* spec = std::getenv("CKPT_LOG");
  if (spec == nullptr) {
    return true;
  }
  std::string global(spec, strcspn(spec, ","));
  return global != "warn" && global != "error" && global != "fatal";
}

void sleep_ms(int ms) {
  struct timespec ts {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

struct ProcStat {
  bool present = false;
  std::string state;
  int32_t pgrp = 0;
  int32_t session = 0;
  unsigned long flags = 0;
};

ProcStat read_stat(int32_t n) {
  ProcStat st;
  std::string text = read_text("/proc/" + std::to_string(n) + "/stat");
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) {
    return st;  // gone (or never there)
  }
  std::istringstream fields(text.substr(paren + 1));
  long ppid = 0;
  long tty = 0;
  long tpgid = 0;
  fields >> st.state >> ppid >> st.pgrp >> st.session >> tty >> tpgid >> st.flags;
  st.present = true;
  return st;
}

PidHolder holder_of(int32_t n, const ProcStat& st) {
  if (!st.present) {
    return PidHolder::kFree;
  }
  if (st.state == "Z" || st.state == "X" || (st.flags & kPfExiting) != 0 || sigkill_pending(n)) {
    return PidHolder::kGoing;
  }
  return PidHolder::kLive;
}

void raise_to(std::map<int32_t, PidHolder>& out, int32_t n, PidHolder h) {
  auto it = out.find(n);
  if (it != out.end() && static_cast<int>(h) > static_cast<int>(it->second)) {
    it->second = h;
  }
}

// Who holds each of `ids`: a process or thread with that pid, or processes whose process
// group or session has that number (the kernel keeps it taken while any of them exists,
// zombies included: a group's members outlive its reaped leader).
std::map<int32_t, PidHolder> holders(const std::vector<int32_t>& ids) {
  std::map<int32_t, PidHolder> out;
  for (int32_t id : ids) {
    out[id] = pid_holder(id);  // also threads, which /proc does not list
  }
  DIR* dir = opendir("/proc");
  for (struct dirent* e = dir != nullptr ? readdir(dir) : nullptr; e != nullptr;
       e = readdir(dir)) {
    int32_t p = static_cast<int32_t>(std::strtol(e->d_name, nullptr, 10));
    if (p <= 0) {
      continue;
    }
    ProcStat st = read_stat(p);
    if (out.count(st.pgrp) != 0 || out.count(st.session) != 0) {
      PidHolder h = holder_of(p, st);
      raise_to(out, st.pgrp, h);
      raise_to(out, st.session, h);
    }
  }
  if (dir != nullptr) {
    closedir(dir);
  }
  return out;
}

}  // namespace

PidHolder pid_holder(int32_t n) { return holder_of(n, read_stat(n)); }

std::vector<int32_t> saved_ids(const ProcessTree& tree) {
  std::vector<int32_t> ids;
  for (const TreeNode& n : tree.nodes) {
    ids.push_back(n.pid);
    if (n.holds_group) {
      ids.push_back(n.pgid);
    }
    if (!n.is_zombie()) {
      for (const image::ThreadEntry& t : n.image->threads) {
        ids.push_back(t.tid);
      }
    }
  }
  ids.erase(std::remove_if(ids.begin(), ids.end(), [](int32_t id) { return id <= 1; }), ids.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

SavedPidCheck wait_for_saved_pids(const std::vector<int32_t>& ids, int max_ms) {
  SavedPidCheck check;
  check.can_choose = can_choose_pids();
  if (!check.can_choose) {
    return check;
  }
  std::vector<int32_t> waiting;
  for (const auto& [id, h] : holders(ids)) {
    if (h == PidHolder::kLive) {
      check.live.push_back(id);
    } else if (h == PidHolder::kGoing) {
      waiting.push_back(id);
    }
  }
  auto start = std::chrono::steady_clock::now();
  while (!waiting.empty() && check.waited_ms < max_ms) {
    sleep_ms(kPollMs);
    check.waited_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - start)
                                           .count());
    // A number may be free and taken again meanwhile: by then it counts as live.
    std::vector<int32_t> still;
    for (const auto& [id, h] : holders(waiting)) {
      if (h == PidHolder::kLive) {
        check.live.push_back(id);
      } else if (h == PidHolder::kGoing) {
        still.push_back(id);
      }
    }
    waiting.swap(still);
  }
  check.stuck = waiting;
  std::sort(check.live.begin(), check.live.end());
  return check;
}

std::string saved_pid_report(const SavedPidCheck& check) {
  if (!info_wanted()) {
    return "";
  }
  if (!check.can_choose) {
    return msg::saved_pids_not_chosen();
  }
  if (check.live.empty() && check.stuck.empty()) {
    return "";
  }
  return msg::saved_pids_given_up(id_list(check.live), id_list(check.stuck),
                                 check.waited_ms / 1000.0);
}

}  // namespace ckpt::launcher
