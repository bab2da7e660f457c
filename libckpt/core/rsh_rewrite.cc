// libckpt/core/rsh_rewrite.cc: see rsh_rewrite.h. Not checkpoint-path (may allocate).
#include "core/rsh_rewrite.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/host_resolver.h"
#include "core/runtime.h"

namespace ckpt {

namespace {

// A growing NUL-terminated string on the heap (the process is about to exec).
struct Text {
  char* s = nullptr;
  size_t len = 0, cap = 0;
  void add(const char* t, size_t n) {
    if (len + n + 1 > cap) {
      cap = (len + n + 1) * 2 + 64;
      s = static_cast<char*>(realloc(s, cap));
    }
    memcpy(s + len, t, n);
    len += n;
    s[len] = '\0';
  }
  void add(const char* t) { add(t, strlen(t)); }
  void quoted(const char* t) {  // POSIX shell single quotes
    add(" '");
    for (const char* p = t; *p != '\0'; ++p) {
      if (*p == '\'') add("'\\''"); else add(p, 1);
    }
    add("'");
  }
};

const char* base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

// ssh, rsh, or a name in CKPT_RSH_AGENTS (separated by ':' ',' or blanks; basenames compared).
bool is_agent(const char* file) {
  const char* name = base_name(file);
  if (strcmp(name, "ssh") == 0 || strcmp(name, "rsh") == 0) return true;
  const char* list = getenv("CKPT_RSH_AGENTS");
  for (const char* p = list; p != nullptr && *p != '\0';) {
    size_t n = strcspn(p, ":, \t");
    const char* word = p;
    const char* last_slash = word;
    for (size_t i = 0; i < n; ++i) {
      if (word[i] == '/') last_slash = word + i + 1;
    }
    size_t bn = n - static_cast<size_t>(last_slash - word);
    if (bn > 0 && strlen(name) == bn && strncmp(name, last_slash, bn) == 0) return true;
    p += n;
    p += strspn(p, ":, \t");
  }
  return false;
}

// Index of the host argument (ssh's option letters with a value are skipped), -1 if none.
int host_index(char* const argv[]) {
  static const char kWithValue[] = "BbcDEeFIiJLlmOopQRSWw";
  for (int i = 1; argv[i] != nullptr; ++i) {
    const char* a = argv[i];
    if (a[0] != '-' || a[1] == '\0') return i;
    if (strcmp(a, "--") == 0) return argv[i + 1] != nullptr ? i + 1 : -1;
    size_t n = strlen(a);
    if (strchr(kWithValue, a[n - 1]) != nullptr && n == 2) ++i;  // "-p 22": skip the value
    if (argv[i] == nullptr) return -1;
  }
  return -1;
}

// Our address toward `host` (the coordinator is local: it is reached by loopback here).
void local_address_toward(const char* host, char* out, size_t cap) {
  out[0] = '\0';
  HostAddress a;
  if (resolve_host(host, &a)) {
    sockaddr_in6 sa;
    unsigned len = fill_sockaddr(a, 9, &sa);
    int fd = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 me{};
    socklen_t mlen = sizeof me;
    if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&sa), len) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&me), &mlen) == 0) {
      const auto* me4 = reinterpret_cast<sockaddr_in*>(&me);
      const void* bytes = a.family == AF_INET6 ? static_cast<const void*>(&me.sin6_addr)
                                               : static_cast<const void*>(&me4->sin_addr);
      inet_ntop(a.family, bytes, out, static_cast<socklen_t>(cap));
    }
    if (fd >= 0) close(fd);
    if (strncmp(out, "127.", 4) != 0 && strcmp(out, "::1") != 0 && out[0] != '\0') return;
    out[0] = '\0';
  }
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return;
  for (ifaddrs* i = list; i != nullptr && out[0] == '\0'; i = i->ifa_next) {
    if (i->ifa_addr != nullptr && i->ifa_addr->sa_family == AF_INET &&
        (i->ifa_flags & IFF_UP) != 0 && (i->ifa_flags & IFF_LOOPBACK) == 0) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, out,
                static_cast<socklen_t>(cap));
    }
  }
  freeifaddrs(list);
}

bool is_loopback(const char* h) {
  return h[0] == '\0' || strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0 ||
         strcmp(h, "::1") == 0 || strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0;
}

// <prefix>/bin/ckpt from libckpt's own path <prefix>/lib/ckpt/libckpt.so.
bool launcher_path(char* out, size_t cap) {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&launcher_path), &info) == 0 || info.dli_fname == nullptr) {
    return false;
  }
  const char* lib = info.dli_fname;
  const char* end = lib + strlen(lib);
  for (int up = 0; up < 3 && end > lib; ++up) {
    --end;
    while (end > lib && *end != '/') --end;
  }
  size_t n = static_cast<size_t>(end - lib);
  if (n + 10 > cap) return false;
  memcpy(out, lib, n);
  memcpy(out + n, "/bin/ckpt", 10);
  return access(out, X_OK) == 0;
}

// Splits LD_PRELOAD at libckpt: what came before stays for the agent, the plugins after
// libckpt go to the remote `ckpt launch` as --with-plugin.
void split_preload(const char* preload, Text* keep, Text* plugins) {
  bool ours = false;
  for (const char* p = preload; p != nullptr && *p != '\0';) {
    size_t n = strcspn(p, ": ");
    if (n > 0) {
      Text word;
      word.add(p, n);
      ours = ours || strcmp(base_name(word.s), "libckpt.so") == 0;
      if (!ours) {
        keep->add(keep->len > 0 ? ":" : "");
        keep->add(word.s);
      } else if (strcmp(base_name(word.s), "libckpt.so") != 0) {
        plugins->add(" --with-plugin");
        plugins->quoted(word.s);
      }
      free(word.s);
    }
    p += n;
    p += strspn(p, ": ");
  }
}

// The agent's environment: LD_PRELOAD without libckpt and plugins; no CKPT_POST_EXEC.
char** agent_environment(char* const envp[], const Text& keep) {
  size_t n = 0;
  while (envp != nullptr && envp[n] != nullptr) ++n;
  auto** out = static_cast<char**>(malloc((n + 2) * sizeof(char*)));
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (strncmp(envp[i], "LD_PRELOAD=", 11) != 0 && strncmp(envp[i], "CKPT_POST_EXEC=", 15) != 0) {
      out[k++] = envp[i];
    }
  }
  if (keep.len > 0) {
    Text var;
    var.add("LD_PRELOAD=");
    var.add(keep.s);
    out[k++] = var.s;  // leaks on a failed exec only
  }
  out[k] = nullptr;
  return out;
}

const char* env_value(char* const envp[], const char* name) {
  size_t n = strlen(name);
  for (size_t i = 0; envp != nullptr && envp[i] != nullptr; ++i) {
    if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=') return envp[i] + n + 1;
  }
  return nullptr;
}

// True if the remote shell would run `text` as one plain command: no operators, quotes,
// expansions or globs, and no leading variable assignment.
bool is_simple_command(const char* text) {
  if (strpbrk(text, ";&|<>()$`\"'\\\n*?[#~{}") != nullptr) return false;
  size_t first = strcspn(text, " \t");
  const char* eq = static_cast<const char*>(memchr(text, '=', first));
  return eq == nullptr && text[strspn(text, " \t")] != '\0';
}

// Appends each blank-separated word of `text`, quoted.
void add_words(const char* text, Text* out) {
  for (const char* p = text + strspn(text, " \t"); *p != '\0';) {
    size_t n = strcspn(p, " \t");
    Text w;
    w.add(p, n);
    out->quoted(w.s);
    free(w.s);
    p += n;
    p += strspn(p, " \t");
  }
}

// The remote command string: ckpt launch --join ... -- CMD, where CMD is the original
// command's words when it is one plain command (so the program itself is the member), else
// /bin/sh -c '<original>' (the shell is then a member too).
void remote_string(char* const words[], const char* host, const char* ckpt, const Text& plugins,
                   Text* out) {
  const Config& c = rt().cfg;
  char addr[64];
  if (is_loopback(c.coord_host)) {
    local_address_toward(host, addr, sizeof addr);
  }
  const char* coord = is_loopback(c.coord_host) && addr[0] != '\0' ? addr : c.coord_host;
  Text original;
  for (int i = 0; words[i] != nullptr; ++i) {
    original.add(i > 0 ? " " : "");
    original.add(words[i]);
  }
  out->add("");
  out->quoted(ckpt);
  out->add(" launch --join --coord-host");
  out->quoted(coord);
  out->add(" --coord-port");
  out->quoted(c.coord_port);
  if (c.ckpt_dir[0] != '\0') {
    out->add(" --ckptdir");
    out->quoted(c.ckpt_dir);
  }
  if (plugins.len > 0) out->add(plugins.s);
  out->add(" --");
  if (is_simple_command(original.s)) {
    add_words(original.s, out);
  } else {
    out->add(" /bin/sh -c");
    out->quoted(original.s);
  }
  free(original.s);
}

}  // namespace

bool rewrite_rsh_exec(const char* file, char* const argv[], char* const envp[], RshRewrite* out) {
  const char* off = getenv("CKPT_RSH_REWRITE");
  if (argv == nullptr || argv[0] == nullptr || (off != nullptr && strcmp(off, "0") == 0)) {
    return false;
  }
  if (!is_agent(file) && !is_agent(argv[0])) return false;
  int h = host_index(argv);
  char ckpt[1024];
  if (h < 0 || argv[h + 1] == nullptr || !launcher_path(ckpt, sizeof ckpt)) return false;
  Text keep, plugins, remote;
  split_preload(env_value(envp, "LD_PRELOAD"), &keep, &plugins);
  remote_string(argv + h + 1, argv[h], ckpt, plugins, &remote);
  out->argv = static_cast<char**>(malloc(static_cast<size_t>(h + 3) * sizeof(char*)));
  for (int i = 0; i <= h; ++i) out->argv[i] = argv[i];
  out->argv[h + 1] = remote.s + 1;  // past the leading blank of quoted()
  out->argv[h + 2] = nullptr;
  out->strings = remote.s;
  out->envp = agent_environment(envp, keep);
  free(keep.s);
  free(plugins.s);
  return true;
}

void free_rsh_rewrite(RshRewrite* r) {
  free(r->argv);
  free(r->envp);
  free(r->strings);
  *r = RshRewrite{};
}

}  // namespace ckpt
