/* plugins/pid/pid_names.c: see pid_names.h. Checkpoint path: yes. */
#define _GNU_SOURCE 1
#include "pid_names.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "ckpt/plugin.h"
#include "pid_sys.h"
#include "pid_table.h"

#define MAX_SEEN 8192

struct entry {
  int32_t virt;
  int32_t real;
  int32_t kind;      /* PID_NAME_PROCESS, or PID_NAME_EXTRA (a thread, a group) */
  char origin[65]; /* host the process was created on: its virtual pid belongs there */
  char host[65];   /* host it runs on now: its real pid belongs there */
};

static char g_origin[65];
static int64_t g_seen[MAX_SEEN]; /* (origin hash << 32) | virtual pid */

static void current_host(char* out) {
  struct utsname u;
  out[0] = '\0';
  if (pid_sys(SYS_uname, &u, 0, 0) == 0) memcpy(out, u.nodename, 65);
  out[64] = '\0';
}

void pid_names_init_host(void) {
  if (g_origin[0] == '\0') current_host(g_origin);
}

static int counter_key(char* key, size_t cap) {
  return snprintf(key, cap, "pid.g%llu.n", (unsigned long long)ckpt_generation());
}

static int entry_key(char* key, size_t cap, long ticket) {
  return snprintf(key, cap, "pid.g%llu.e%ld", (unsigned long long)ckpt_generation(), ticket);
}

int pid_names_publish(pid_t virt, pid_t real, int kind) {
  char key[96];
  int64_t ticket = 0;
  int klen = counter_key(key, sizeof key);
  int rc = ckpt_kv_atomic(CKPT_KV_ADD, key, (size_t)klen, 1, &ticket);
  if (rc != 0) return rc;
  struct entry e;
  memset(&e, 0, sizeof e);
  e.virt = virt;
  e.real = real;
  e.kind = kind;
  memcpy(e.origin, g_origin, sizeof e.origin);
  current_host(e.host);
  klen = entry_key(key, sizeof key, (long)ticket);
  return ckpt_kv_put(key, (size_t)klen, &e, sizeof e);
}

static int64_t seen_key_of(const char* origin, int32_t virt) {
  uint32_t h = 2166136261u; /* FNV-1a of the origin host */
  for (const char* p = origin; *p != '\0'; ++p) h = (h ^ (uint8_t)*p) * 16777619u;
  return ((int64_t)h << 32) | (uint32_t)virt;
}

static int seen_before(int64_t key, int nseen) {
  for (int i = 0; i < nseen; ++i) {
    if (g_seen[i] == key) return 1;
  }
  return 0;
}

/* Extra entries of this host, in reading order. Every process publishes its own entry before
 * its extras, so the oldest entry of a restart is a process entry: extras read after the
 * last process entry of this restart belong to an earlier restart and are dropped. An extra
 * never overrides the entry of a process (a group leader that is part of the computation). */
static int32_t g_pending[MAX_SEEN][2];

static int map_extras(int ncommitted, int nseen) {
  int mapped = 0;
  for (int i = 0; i < ncommitted; ++i) {
    if (seen_before(seen_key_of(g_origin, g_pending[i][0]), nseen)) continue;
    pid_map(g_pending[i][0], g_pending[i][1]);
    ++mapped;
  }
  return mapped;
}

int pid_names_query(void) {
  char key[96], host[65];
  int64_t last = 0;
  int klen = counter_key(key, sizeof key);
  int rc = ckpt_kv_atomic(CKPT_KV_ADD, key, (size_t)klen, 0, &last);
  if (rc != 0) return rc;
  current_host(host);
  int nseen = 0, mapped = 0, npending = 0, ncommitted = 0;
  for (long t = (long)last; t >= 1 && nseen < MAX_SEEN; --t) {
    struct entry e;
    klen = entry_key(key, sizeof key, t);
    long n = ckpt_kv_get(key, (size_t)klen, &e, sizeof e);
    if (n != (long)sizeof e) continue;
    e.origin[64] = e.host[64] = '\0';
    int here = strcmp(e.origin, g_origin) == 0 && strcmp(e.host, host) == 0;
    if (e.kind != PID_NAME_PROCESS) {
      if (here && npending < MAX_SEEN) {
        g_pending[npending][0] = e.virt;
        g_pending[npending++][1] = e.real;
      }
      continue;
    }
    int64_t k = seen_key_of(e.origin, e.virt);
    if (seen_before(k, nseen)) break; /* an earlier restart of this generation */
    g_seen[nseen++] = k;
    ncommitted = npending;
    if (here) {
      pid_map(e.virt, e.real);
      ++mapped;
    }
  }
  return mapped + map_extras(ncommitted, nseen);
}
