// libckpt/core/plugin_registry.h: the plugins of this process, found at init
// (discover_plugins, events.h) or registered by their constructors (ckpt_register_plugin).
// Native plugins carry an explicit order; the seed (DMTCP) plugins form one chain, visited
// in library search order, that sits at CKPT_ORDER_SEED among the natives.
// Checkpoint path: the table is a fixed array filled at init; lookups allocate nothing.
#pragma once

#include <stdint.h>

#include "ckpt/plugin.h"

namespace ckpt {

inline constexpr int kMaxPlugins = 32;
inline constexpr int kPluginNameMax = 32;
inline constexpr int kPluginPathMax = 256;

using SeedHook = void (*)(int event, void* data);

enum class PluginKind : int { kNative = 1, kSeed = 2 };

struct PluginRecord {
  PluginKind kind;
  int order;                    // natives: descriptor order; seed: CKPT_ORDER_SEED
  int faulted;                  // 1 once its hook overran the watchdog: never called again
  uint32_t section_version;
  const ckpt_plugin_t* desc;    // natives
  SeedHook hook;                // seed plugins: its dmtcp_event_hook
  char name[kPluginNameMax];
  char path[kPluginPathMax];    // the .so it lives in ("" if unknown)
};

struct PluginTable {
  PluginRecord plugins[kMaxPlugins];
  int count;
  int sorted[kMaxPlugins];      // natives + seed plugins by (order, registration)
  int seed[kMaxPlugins];        // seed plugins in library search order
  int nseed;
};

PluginTable& plugins();
// Sorts the table; called after discovery and after each late registration.
void sort_plugins();
// Index of the plugin named `name`, -1 if none.
int find_plugin(const char* name);
// The plugin whose code contains `addr` (by its .so), -1 if none.
int plugin_at(const void* addr);
const char* event_name(int event);  // "DMTCP_EVENT_WRITE_CKPT"

}  // namespace ckpt
