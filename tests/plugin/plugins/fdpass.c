/* tests/plugin/plugins/fdpass.c: host-local fd passing (ckpt_fd_offer/want/exchange/
 * received) between every process of the computation, after each checkpoint (RESUME) and
 * at restart (RESTART). Each process takes a rank from the coordinator's KV store, offers
 * the read end of a pipe holding "token <rank> <phase>" and wants the next rank's; it
 * prints what it received, checked against what that rank wrote. It also offers kBulk
 * more keys (dups of that fd: more than one message's worth) and counts the next rank's
 * that arrive, each checked to be a pipe. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "ckpt/plugin.h"

enum { kBulk = 250 };

static int bulk_fds[kBulk];

/* Offers kBulk dups of fd as "bulk<rank>-<i>" and wants the next rank's. */
static int offer_bulk(int fd, long long rank, long long next) {
  char key[64];
  for (int i = 0; i < kBulk; ++i) {
    bulk_fds[i] = dup(fd);
    snprintf(key, sizeof key, "bulk%lld-%d", rank, i);
    if (bulk_fds[i] < 0 || ckpt_fd_offer(key, bulk_fds[i]) != 0) return 1;
    snprintf(key, sizeof key, "bulk%lld-%d", next, i);
    if (ckpt_fd_want(key) != 0) return 1;
  }
  return 0;
}

/* After the exchange: closes the offered dups, counts the received fds that are pipes. */
static int count_bulk(long long next) {
  int got = 0;
  char key[64];
  for (int i = 0; i < kBulk; ++i) {
    close(bulk_fds[i]);
    snprintf(key, sizeof key, "bulk%lld-%d", next, i);
    int fd = ckpt_fd_received(key);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) got++;
    if (fd >= 0) close(fd);
  }
  return got;
}

static void say(const char* line) {
  if (write(1, line, strlen(line)) < 0) return;
}

static int pass_round(const char* phase) {
  char key[64], line[256], got[64] = "", want[64];
  int64_t rank = 0, n = 0;
  snprintf(key, sizeof key, "fdpass:%s:%llu", phase, (unsigned long long)ckpt_generation());
  if (ckpt_kv_atomic(CKPT_KV_ADD, key, strlen(key), 1, &rank) != 0) return 1;
  if (ckpt_barrier("fdpass", "ranked", CKPT_SCOPE_GLOBAL) != 0) return 1;
  if (ckpt_kv_get(key, strlen(key), &n, sizeof n) != sizeof n) return 1;
  int p[2];
  if (pipe(p) != 0) return 1;
  snprintf(line, sizeof line, "token %lld %s", (long long)rank, phase);
  if (write(p[1], line, strlen(line)) < 0) return 1;
  close(p[1]);
  char mine[32], next[32];
  snprintf(mine, sizeof mine, "rank%lld", (long long)rank);
  snprintf(next, sizeof next, "rank%lld", (long long)(rank % n + 1));
  int rc = ckpt_fd_offer(mine, p[0]);
  rc = rc != 0 ? rc : ckpt_fd_want(next);
  rc = rc != 0 ? rc : offer_bulk(p[0], (long long)rank, (long long)(rank % n + 1));
  rc = rc != 0 ? rc : ckpt_fd_exchange("fdpass");
  close(p[0]);
  int bulk = count_bulk((long long)(rank % n + 1));
  int fd = ckpt_fd_received(next);
  if (fd >= 0) {
    ssize_t k = read(fd, got, sizeof got - 1);
    got[k > 0 ? k : 0] = '\0';
    close(fd);
  }
  snprintf(want, sizeof want, "token %lld %s", (long long)(rank % n + 1), phase);
  snprintf(line, sizeof line,
           "fdpass: %s rank %lld of %lld received '%s' (%s, rc=%d, fd=%d, bulk %d/%d)\n", phase,
           (long long)rank, (long long)n, got, strcmp(got, want) == 0 ? "ok" : "WRONG", rc, fd,
           bulk, kBulk);
  say(line);
  return 0;
}

static int on_event(ckpt_event_t event, void* data) {
  (void)data;
  if (event == CKPT_EVENT_RESUME) return pass_round("resume");
  if (event == CKPT_EVENT_RESTART) return pass_round("restart");
  return 0;
}

CKPT_DECLARE_PLUGIN({CKPT_PLUGIN_ABI_V1, "fdpass", 100, 1, on_event});
