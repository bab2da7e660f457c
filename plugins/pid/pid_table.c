/* plugins/pid/pid_table.c: see pid_table.h. Checkpoint path: yes. */
#include "pid_table.h"

#include <stdio.h>
#include <stdlib.h>

CKPT_ID_TABLE(g_pids, PID_TABLE_CAPACITY, 1);

static volatile int g_epoch;

ckpt_id_table_t* pid_table(void) { return &g_pids; }

int pid_restart_epoch(void) { return __atomic_load_n(&g_epoch, __ATOMIC_ACQUIRE); }
void pid_note_restart(void) { __atomic_add_fetch(&g_epoch, 1, __ATOMIC_RELEASE); }

static pid_t real_of(pid_t virt) {
  if (virt <= 0 || g_pids.count == 0) return virt;
  int64_t r = ckpt_id_to_real(&g_pids, virt);
  return r > 0 ? (pid_t)r : virt;
}

pid_t pid_to_real(pid_t virt) {
  if (virt < -1) return -real_of(-virt);
  return real_of(virt);
}

pid_t pid_to_virtual(pid_t real) {
  if (real <= 0 || g_pids.count == 0) return real;
  int64_t v = ckpt_id_to_virtual(&g_pids, real);
  return v > 0 ? (pid_t)v : real;
}

pid_t pid_to_virtual_in_handler(pid_t real) {
  uint32_t n = __atomic_load_n(&g_pids.count, __ATOMIC_ACQUIRE);
  if (real <= 0 || n == 0) return real;
  for (uint32_t i = 0; i < n && i < g_pids.capacity; ++i) {
    if (__atomic_load_n(&g_pids.entries[i].real, __ATOMIC_RELAXED) == real) {
      int64_t v = __atomic_load_n(&g_pids.entries[i].virt, __ATOMIC_RELAXED);
      return v > 0 ? (pid_t)v : real;
    }
  }
  return real;
}

void pid_forget_real(pid_t real) {
  int64_t v;
  while ((v = ckpt_id_to_virtual(&g_pids, real)) > 0) {
    ckpt_id_remove(&g_pids, v);
  }
}

void pid_map(pid_t virt, pid_t real) {
  if (virt <= 0 || real <= 0) return;
  int64_t old = ckpt_id_to_virtual(&g_pids, real);
  if (old > 0 && old != virt) ckpt_id_remove(&g_pids, old);
  ckpt_id_set(&g_pids, virt, real);
}

void pid_unmap(pid_t virt) {
  if (virt > 0) ckpt_id_remove(&g_pids, virt);
}

int pid_conflicts(pid_t real) {
  if (real <= 0 || g_pids.count == 0) return 0;
  int64_t r = ckpt_id_to_real(&g_pids, real);
  return r > 0 && r != real;
}

int pid_table_format(char* buf, int cap) {
  int used = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < g_pids.count; ++i) {
    int n = snprintf(buf + used, (size_t)(cap - used), "%s%lld:%lld", i ? "," : "",
                     (long long)g_pids.entries[i].virt, (long long)g_pids.entries[i].real);
    if (n < 0 || n >= cap - used) return -1;
    used += n;
  }
  return used;
}

void pid_table_parse(const char* text) {
  const char* p = text;
  while (p != NULL && *p != '\0') {
    char* end;
    long v = strtol(p, &end, 10);
    if (*end != ':') return;
    long r = strtol(end + 1, &end, 10);
    pid_map((pid_t)v, (pid_t)r);
    p = *end == ',' ? end + 1 : NULL;
  }
}
