// libckpt/core/plugin_sections.cc: per-plugin image sections. At WRITE_CKPT each plugin
// appends its bytes to a static arena (ckpt_section_write); the image writer
// (region_writer.cc) then writes one SectionEntry per plugin plus "core.plugins", the list
// of every plugin's name, order and .so path, so that a restart can tell which plugins an
// image needs, and "core.proctree" (core/process_tree.cc), always, last. The arena is
// process memory, so after a restart the bytes are back in place and ckpt_section_read()
// hands them out.
// Checkpoint path: yes (fixed arrays only).
#include <errno.h>

#include "ckpt/plugin.h"
#include "core/plugin_internal.h"
#include "core/plugin_messages.h"
#include "core/plugin_registry.h"
#include "core/process_tree.h"
#include "image/crc32c.h"
#include "image/proctree_section.h"
#include "sys/log.h"
#include "sys/str.h"

namespace ckpt {

namespace {

constexpr uint32_t kCoreListVersion = 1;
constexpr size_t kListBytes = kMaxPlugins * (kPluginNameMax + kPluginPathMax + 16);

struct Section {
  char name[kPluginNameMax];
  uint32_t version;
  uint32_t offset;  // into the arena
  uint32_t size;
};

struct Sections {
  Section list[kMaxPlugins];
  uint32_t count;
  uint32_t used;
  char arena[CKPT_SECTION_ARENA];
  char plugin_list[kListBytes];  // body of "core.plugins"
  uint32_t plugin_list_size;
};

Sections g_sections;

// "core.plugins" body: one line per plugin, "name order kind path\n".
void build_plugin_list() {
  PluginTable& t = plugins();
  sys::Fmt f(g_sections.plugin_list, sizeof g_sections.plugin_list);
  for (int k = 0; k < t.count; ++k) {
    const PluginRecord& p = t.plugins[t.sorted[k]];
    f.s(p.name).c(' ').i(p.order).c(' ').s(p.kind == PluginKind::kSeed ? "seed" : "native")
        .c(' ').s(p.path).c('\n');
  }
  g_sections.plugin_list_size = static_cast<uint32_t>(sys::str_len(g_sections.plugin_list));
}

}  // namespace

void sections_begin() {
  g_sections.count = 0;
  g_sections.used = 0;
  build_plugin_list();
  capture_process_tree();
}

// The plugins' sections, "core.plugins" when there are plugins, then "core.proctree".
uint32_t section_count() {
  return (plugins().count > 0 ? g_sections.count + 1 : 0) + 1;
}

const void* section_entry(uint32_t i, image::SectionEntry* e) {
  sys::mem_zero(e, sizeof *e);
  const void* body;
  if (i + 1 == section_count()) {
    size_t len = 0;
    body = process_tree_body(&len);
    sys::str_copy(e->name, image::kProcTreeSectionName, sizeof e->name);
    e->version = image::kProcTreeSectionVersion;
    e->size = len;
  } else if (i == g_sections.count) {
    sys::str_copy(e->name, "core.plugins", sizeof e->name);
    e->version = kCoreListVersion;
    e->size = g_sections.plugin_list_size;
    body = g_sections.plugin_list;
  } else {
    const Section& s = g_sections.list[i];
    sys::str_copy(e->name, s.name, sizeof e->name);
    e->version = s.version;
    e->size = s.size;
    body = g_sections.arena + s.offset;
  }
  e->crc = image::crc32c(body, e->size);
  return body;
}

}  // namespace ckpt

using ckpt::g_sections;

extern "C" CKPT_EXPORT int ckpt_section_write(const char* plugin, const void* data, size_t len) {
  if (plugin == nullptr || !ckpt::in_ckpt_thread()) return -EPERM;
  ckpt::Section* s = g_sections.count > 0 ? &g_sections.list[g_sections.count - 1] : nullptr;
  if (s == nullptr || !ckpt::sys::str_eq(s->name, plugin)) {
    for (uint32_t i = 0; i < g_sections.count; ++i) {
      if (ckpt::sys::str_eq(g_sections.list[i].name, plugin)) return -EBUSY;  // not contiguous
    }
    if (g_sections.count >= ckpt::kMaxPlugins) return -ENOSPC;
    s = &g_sections.list[g_sections.count++];
    ckpt::sys::str_copy(s->name, plugin, sizeof s->name);
    int idx = ckpt::find_plugin(plugin);
    s->version = idx >= 0 ? ckpt::plugins().plugins[idx].section_version : 1;
    s->offset = g_sections.used;
    s->size = 0;
  }
  if (len > sizeof g_sections.arena - g_sections.used) {
    char msg[256];
    CKPT_LOG(kError, "{}", ckpt::plugin_msg::section_full(msg, sizeof msg, plugin, len));
    return -ENOSPC;
  }
  ckpt::sys::mem_copy(g_sections.arena + g_sections.used, data, len);
  g_sections.used += static_cast<uint32_t>(len);
  s->size += static_cast<uint32_t>(len);
  return 0;
}

extern "C" CKPT_EXPORT const void* ckpt_section_read(const char* plugin, size_t* len) {
  for (uint32_t i = 0; plugin != nullptr && i < g_sections.count; ++i) {
    const ckpt::Section& s = g_sections.list[i];
    if (ckpt::sys::str_eq(s.name, plugin)) {
      if (len != nullptr) *len = s.size;
      return g_sections.arena + s.offset;
    }
  }
  if (len != nullptr) *len = 0;
  return nullptr;
}
