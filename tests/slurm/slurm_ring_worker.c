/* tests/slurm/slurm_ring_worker.c: the tasks of a job exchange data over TCP in a ring.
 * Usage: slurm_ring_worker STEPS SLEEP_MS DIR. Task T of N (SLURM_PROCID, SLURM_NTASKS)
 * listens on 127.0.0.1 (one-node job) or its first non-loopback IPv4, writes "IP PORT" to
 * DIR/ring.<SLURM_JOB_ID>.<SLURM_RESTART_COUNT>.<T>, connects to task T+1 mod N and accepts
 * T-1. Each step it mixes its accumulator, sends it to T+1, sleeps SLEEP_MS (the bytes wait
 * in the peer's receive queue), folds in T-1's and prints "step I/STEPS acc=HEX"; at the end
 * "RESULT task T steps=S acc=HEX", which depends on every task. "task T host NAME" comes at
 * the start and after a move to another host. N local processes with SLEEP_MS 0 compute
 * what a checkpointed, requeued and restarted run must print. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void die(const char* what) {
  char line[256];
  snprintf(line, sizeof line, "ring worker: %s: %s\n", what, strerror(errno));
  if (write(STDOUT_FILENO, line, strlen(line)) < 0) _exit(1);
  exit(1);
}

/* Writes or reads all of buf, restarting after EINTR (checkpoints interrupt the calls). */
static void io_all(int fd, const void* buf, size_t len, int sending) {
  for (char* p = (char*)buf; len > 0;) {
    ssize_t n = sending ? write(fd, p, len) : read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = ECONNRESET; /* the peer closed: say so, not a stale errno */
    if (n <= 0) die(fd == STDOUT_FILENO ? "stdout" : sending ? "send" : "receive");
    p += n;
    len -= (size_t)n;
  }
}

static void say(const char* line) { io_all(STDOUT_FILENO, line, strlen(line), 1); }

static void sleep_ms(long ms) {
  struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

static void say_host_if_moved(long task) {
  static char last[sizeof(((struct utsname*)0)->nodename)];
  struct utsname u;
  char line[160];
  if (uname(&u) != 0 || strcmp(u.nodename, last) == 0) return;
  snprintf(last, sizeof last, "%s", u.nodename);
  snprintf(line, sizeof line, "task %ld host %s\n", task, u.nodename);
  say(line);
}

static long env_long(const char* name, long fallback) {
  const char* v = getenv(name);
  return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : fallback;
}

/* 127.0.0.1 in a one-node job; else the first IPv4 address that is not loopback. */
static struct in_addr my_address(void) {
  struct in_addr a = {htonl(INADDR_LOOPBACK)};
  struct ifaddrs *list = NULL, *i;
  if (env_long("SLURM_JOB_NUM_NODES", 1) <= 1 || getifaddrs(&list) != 0) return a;
  for (i = list; i != NULL; i = i->ifa_next) {
    struct sockaddr_in* in = (struct sockaddr_in*)i->ifa_addr;
    if (in != NULL && in->sin_family == AF_INET && (ntohl(in->sin_addr.s_addr) >> 24) != 127) {
      a = in->sin_addr;
      break;
    }
  }
  freeifaddrs(list);
  return a;
}

static void ring_path(char* out, size_t cap, const char* dir, long task) {
  const char* job = getenv("SLURM_JOB_ID");
  snprintf(out, cap, "%s/ring.%s.%ld.%ld", dir, job ? job : "local",
           env_long("SLURM_RESTART_COUNT", 0), task);
}

/* Listens, publishes the address, connects to the next task, accepts the previous one.
 * The listener stays open: it is part of what a checkpoint keeps. */
static void join_ring(const char* dir, long task, long tasks, int* next, int* prev) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr = my_address()}, b = a;
  socklen_t len = sizeof a;
  int l = socket(AF_INET, SOCK_STREAM, 0), port = 0;
  char ip[64], path[512], tmp[520];
  if (l < 0 || bind(l, (struct sockaddr*)&a, sizeof a) != 0 || listen(l, 4) != 0 ||
      getsockname(l, (struct sockaddr*)&a, &len) != 0) die("listen");
  ring_path(path, sizeof path, dir, task);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE* f = fopen(tmp, "w");
  if (f == NULL || fprintf(f, "%s %d\n", inet_ntoa(a.sin_addr), ntohs(a.sin_port)) < 0 ||
      fclose(f) != 0 || rename(tmp, path) != 0) die(path);
  ring_path(path, sizeof path, dir, (task + 1) % tasks);
  for (int tries = 0; tries < 600 && port == 0; ++tries, sleep_ms(100)) {
    if ((f = fopen(path, "r")) == NULL) continue;
    if (fscanf(f, "%63s %d", ip, &port) != 2) port = 0;
    fclose(f);
  }
  b.sin_port = htons((uint16_t)port);
  *next = socket(AF_INET, SOCK_STREAM, 0);
  if (port == 0 || inet_aton(ip, &b.sin_addr) == 0 ||
      connect(*next, (struct sockaddr*)&b, sizeof b) != 0) die("connect to the next task");
  if ((*prev = accept(l, NULL, NULL)) < 0) die("accept the previous task");
}

static uint64_t mix(uint64_t acc, uint64_t x) {
  for (int i = 0; i < 64; ++i) {
    acc = (acc ^ (x + 0x9E3779B97F4A7C15ull + (acc << 6) + (acc >> 2))) * 0x100000001B3ull;
  }
  return acc;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    say("usage: slurm_ring_worker STEPS SLEEP_MS DIR\n");
    return 2;
  }
  long steps = strtol(argv[1], NULL, 10), pause_ms = strtol(argv[2], NULL, 10);
  long task = env_long("SLURM_PROCID", 0), tasks = env_long("SLURM_NTASKS", 1);
  int next = -1, prev = -1;
  uint64_t acc = 0xCBF29CE484222325ull ^ (uint64_t)task, in = 0;
  char line[160];
  say_host_if_moved(task);
  join_ring(argv[3], task, tasks, &next, &prev);
  for (long step = 1; step <= steps; ++step) {
    say_host_if_moved(task);
    acc = mix(acc, (uint64_t)step);
    io_all(next, &acc, sizeof acc, 1);
    sleep_ms(pause_ms);
    io_all(prev, &in, sizeof in, 0);
    acc = mix(acc, in);
    snprintf(line, sizeof line, "step %ld/%ld acc=%016llx\n", step, steps, (unsigned long long)acc);
    say(line);
  }
  snprintf(line, sizeof line, "RESULT task %ld steps=%ld acc=%016llx\n", task, steps,
           (unsigned long long)acc);
  say(line);
  return 0;
}
