// libckpt/core/plugin_registry.cc: see plugin_registry.h. Checkpoint path: the lookups are
// (no allocation); registration runs at init, from constructors.
#include "core/plugin_registry.h"

#include <dlfcn.h>

#include "sys/log.h"
#include "sys/str.h"

namespace ckpt {

namespace {

PluginTable g_table;

const char* const kEventNames[CKPT_EVENT_MAX_] = {
    "DMTCP_EVENT_NONE",
    "DMTCP_EVENT_INIT",
    "DMTCP_EVENT_EXIT",
    "DMTCP_EVENT_PRE_EXEC",
    "DMTCP_EVENT_POST_EXEC",
    "DMTCP_EVENT_ATFORK_PREPARE",
    "DMTCP_EVENT_ATFORK_PARENT",
    "DMTCP_EVENT_ATFORK_CHILD",
    "DMTCP_EVENT_WAIT_FOR_SUSPEND_MSG",
    "DMTCP_EVENT_PRE_SUSPEND_USER_THREAD",
    "DMTCP_EVENT_THREADS_SUSPEND",
    "DMTCP_EVENT_SUSPENDED",
    "DMTCP_EVENT_LEADER_ELECTION",
    "DMTCP_EVENT_DRAIN",
    "DMTCP_EVENT_WRITE_CKPT",
    "DMTCP_EVENT_RESUME",
    "DMTCP_EVENT_RESTART",
    "DMTCP_EVENT_REFILL",
    "DMTCP_EVENT_REGISTER_NAME_SERVICE_DATA",
    "DMTCP_EVENT_SEND_QUERIES",
    "DMTCP_EVENT_THREADS_RESUME",
    "DMTCP_EVENT_RESUME_USER_THREAD",
    "DMTCP_EVENT_THREAD_START",
    "DMTCP_EVENT_THREAD_CREATED",
    "DMTCP_EVENT_PTHREAD_START",
    "DMTCP_EVENT_PTHREAD_EXIT",
    "DMTCP_EVENT_PTHREAD_RETURN",
};

bool before(const PluginRecord& a, int ia, const PluginRecord& b, int ib) {
  return a.order != b.order ? a.order < b.order : ia < ib;
}

}  // namespace

PluginTable& plugins() { return g_table; }

void sort_plugins() {
  PluginTable& t = g_table;
  t.nseed = 0;
  for (int i = 0; i < t.count; ++i) {
    t.sorted[i] = i;
    if (t.plugins[i].kind == PluginKind::kSeed) t.seed[t.nseed++] = i;
  }
  for (int i = 1; i < t.count; ++i) {  // insertion sort: stable, tiny n
    int v = t.sorted[i];
    int j = i - 1;
    while (j >= 0 && before(t.plugins[v], v, t.plugins[t.sorted[j]], t.sorted[j])) {
      t.sorted[j + 1] = t.sorted[j];
      --j;
    }
    t.sorted[j + 1] = v;
  }
}

int find_plugin(const char* name) {
  for (int i = 0; i < g_table.count; ++i) {
    if (sys::str_eq(g_table.plugins[i].name, name)) return i;
  }
  return -1;
}

int plugin_at(const void* addr) {
  Dl_info info;
  if (addr == nullptr || dladdr(addr, &info) == 0 || info.dli_fname == nullptr) return -1;
  for (int i = 0; i < g_table.count; ++i) {
    if (sys::str_eq(g_table.plugins[i].path, info.dli_fname)) return i;
  }
  return -1;
}

const char* event_name(int event) {
  return (event > 0 && event < CKPT_EVENT_MAX_) ? kEventNames[event] : "DMTCP_EVENT_UNKNOWN";
}

}  // namespace ckpt

using ckpt::PluginKind;
using ckpt::PluginRecord;

extern "C" CKPT_EXPORT int ckpt_register_plugin(const ckpt_plugin_t* d) {
  ckpt::PluginTable& t = ckpt::plugins();
  if (d == nullptr || d->abi != CKPT_PLUGIN_ABI_V1 || d->name == nullptr || d->name[0] == '\0') {
    CKPT_LOG(kError, "ckpt_register_plugin: descriptor without name or with an unknown ABI");
    return -1;
  }
  int existing = ckpt::find_plugin(d->name);
  if (existing >= 0) {
    if (t.plugins[existing].desc == d) return 0;  // found again by discovery
    CKPT_LOG(kError, "plugin name '{}' registered twice ({}); the second is ignored", d->name,
             t.plugins[existing].path);
    return -1;
  }
  if (t.count >= ckpt::kMaxPlugins) {
    CKPT_LOG(kError, "too many plugins (limit {}); '{}' is ignored", ckpt::kMaxPlugins, d->name);
    return -1;
  }
  PluginRecord& p = t.plugins[t.count++];
  p.kind = PluginKind::kNative;
  p.order = d->order;
  p.desc = d;
  p.section_version = d->section_version;
  ckpt::sys::str_copy(p.name, d->name, sizeof p.name);
  Dl_info info;
  if (dladdr(reinterpret_cast<const void*>(d), &info) != 0 && info.dli_fname != nullptr) {
    ckpt::sys::str_copy(p.path, info.dli_fname, sizeof p.path);
  }
  ckpt::sort_plugins();
  return 0;
}
