// libckpt/core/plugin_discovery.cc: discover_plugins() (events.h). Runs once in the
// constructor, before INIT: every library that LD_PRELOAD lists after libckpt.so is a
// plugin, in that order (library search order). Each must define dmtcp_event_hook (seed
// API), export ckpt_plugin_descriptor or register one (native API), or at least wrap a
// function defined by another library; anything else is refused with a clear message.
// Not checkpoint-path: may allocate and call libc.
#include <dlfcn.h>
#include <elf.h>
#include <limits.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/events.h"
#include "core/plugin_messages.h"
#include "core/plugin_registry.h"
#include "core/plugin_watchdog.h"
#include "sys/log.h"
#include "sys/str.h"

namespace ckpt {

namespace {

void self_marker() {}

// Does `sym` live in the object loaded from `path` (not in one of its dependencies)?
bool defined_in(void* sym, const char* path) {
  Dl_info info;
  char a[PATH_MAX], b[PATH_MAX];
  if (sym == nullptr || dladdr(sym, &info) == 0 || info.dli_fname == nullptr) return false;
  return realpath(info.dli_fname, a) != nullptr && realpath(path, b) != nullptr &&
         strcmp(a, b) == 0;
}

// Names of the global functions `path` defines (its .dynsym), NUL-separated in `out`.
size_t exported_functions(const char* path, char* out, size_t cap) {
  size_t used = 0;
  FILE* f = fopen(path, "rb");
  if (f == nullptr) return 0;
  struct stat st {};
  char* img = nullptr;
  if (fstat(fileno(f), &st) == 0 && st.st_size > static_cast<off_t>(sizeof(Elf64_Ehdr))) {
    img = static_cast<char*>(malloc(static_cast<size_t>(st.st_size)));
    if (img != nullptr && fread(img, 1, st.st_size, f) != static_cast<size_t>(st.st_size)) {
      free(img);
      img = nullptr;
    }
  }
  fclose(f);
  if (img == nullptr) return 0;
  auto* eh = reinterpret_cast<Elf64_Ehdr*>(img);
  auto* sh = reinterpret_cast<Elf64_Shdr*>(img + eh->e_shoff);
  bool ok = memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 &&
            eh->e_shoff + eh->e_shnum * sizeof(Elf64_Shdr) <= static_cast<size_t>(st.st_size);
  for (int i = 0; ok && i < eh->e_shnum; ++i) {
    if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum) continue;
    auto* syms = reinterpret_cast<Elf64_Sym*>(img + sh[i].sh_offset);
    const char* strs = img + sh[sh[i].sh_link].sh_offset;
    for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); ++k) {
      const Elf64_Sym& s = syms[k];
      int type = ELF64_ST_TYPE(s.st_info);
      if (s.st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_GNU_IFUNC)) continue;
      const char* name = strs + s.st_name;
      size_t n = strlen(name) + 1;
      if (strcmp(name, "_init") == 0 || strcmp(name, "_fini") == 0 || used + n > cap) continue;
      memcpy(out + used, name, n);
      used += n;
    }
  }
  free(img);
  return used;
}

struct OtherObjects {
  const char* plugin;
  const char* name;
  bool found;
};

int check_other(struct dl_phdr_info* info, size_t, void* arg) {
  auto* o = static_cast<OtherObjects*>(arg);
  if (o->found || info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') return 0;
  void* h = dlopen(info->dlpi_name, RTLD_NOLOAD | RTLD_LAZY);
  if (h == nullptr) return 0;
  void* sym = dlsym(h, o->name);
  if (sym != nullptr && !defined_in(sym, o->plugin)) o->found = true;
  dlclose(h);
  return o->found ? 1 : 0;
}

// True if the plugin defines a function that another loaded library defines too.
bool wraps_something(const char* path) {
  static char names[64 * 1024];
  size_t n = exported_functions(path, names, sizeof names);
  for (size_t off = 0; off < n; off += strlen(names + off) + 1) {
    OtherObjects o{path, names + off, false};
    dl_iterate_phdr(check_other, &o);
    if (o.found) return true;
  }
  return false;
}

void base_name(const char* path, char* out, size_t cap) {
  const char* b = strrchr(path, '/');
  b = b != nullptr ? b + 1 : path;
  if (strncmp(b, "lib", 3) == 0) b += 3;
  sys::str_copy(out, b, cap);
  char* dot = strstr(out, ".so");
  if (dot != nullptr) *dot = '\0';
}

void add_seed(const char* path, SeedHook hook) {
  PluginTable& t = plugins();
  if (t.count >= kMaxPlugins) return;
  PluginRecord& p = t.plugins[t.count++];
  p.kind = PluginKind::kSeed;
  p.order = CKPT_ORDER_SEED;
  p.hook = hook;
  base_name(path, p.name, sizeof p.name);
  sys::str_copy(p.path, path, sizeof p.path);
}

[[noreturn]] void refuse(const char* why) {
  fprintf(stderr, "%s\n", why);
  fflush(stderr);
  _exit(1);
}

void load_one(const char* path) {
  char msg[1024];
  void* h = dlopen(path, RTLD_NOLOAD | RTLD_LAZY);
  if (h == nullptr) {
    refuse(plugin_msg::not_loaded(msg, sizeof msg, path));
  }
  void* hook = dlsym(h, "dmtcp_event_hook");
  void* desc = dlsym(h, "ckpt_plugin_descriptor");
  bool has_hook = defined_in(hook, path);
  bool has_desc = defined_in(desc, path);
  if (has_desc) {
    ckpt_register_plugin(static_cast<const ckpt_plugin_t*>(desc));
  }
  if (has_hook) {
    add_seed(path, reinterpret_cast<SeedHook>(hook));
  }
  bool registered = false;
  for (int i = 0; i < plugins().count; ++i) {
    char a[PATH_MAX], b[PATH_MAX];
    if (realpath(plugins().plugins[i].path, a) && realpath(path, b) && strcmp(a, b) == 0) {
      registered = true;
    }
  }
  if (!registered && !wraps_something(path)) {
    refuse(plugin_msg::not_a_plugin(msg, sizeof msg, path));
  }
  dlclose(h);
}

}  // namespace

void discover_plugins() {
  const char* preload = getenv("LD_PRELOAD");
  Dl_info self;
  char me[PATH_MAX];
  if (preload == nullptr || dladdr(reinterpret_cast<void*>(&self_marker), &self) == 0 ||
      realpath(self.dli_fname, me) == nullptr) {
    sort_plugins();
    return;
  }
  char* list = strdup(preload);
  bool after_us = false;
  char* save = nullptr;
  for (char* tok = strtok_r(list, ": ", &save); tok != nullptr; tok = strtok_r(nullptr, ": ", &save)) {
    char real[PATH_MAX];
    if (!after_us) {
      after_us = realpath(tok, real) != nullptr && strcmp(real, me) == 0;
      continue;
    }
    load_one(tok);
  }
  free(list);
  sort_plugins();
  if (plugins().count > 0) install_watchdog_handler();
  for (int i = 0; i < plugins().count; ++i) {
    const PluginRecord& p = plugins().plugins[i];
    CKPT_LOG(kDebug, "plugin {} ({}) order {} from {}", p.name,
             p.kind == PluginKind::kSeed ? "seed" : "native", p.order, p.path);
  }
}

}  // namespace ckpt
