/* tests/cr/socket/stream_check.h: a checked byte stream for socket tests. Each side sends
 * `total` bytes of a pseudo-random stream (seeded per direction) and checks every byte it
 * receives against the peer's stream, so a lost, duplicated or reordered byte fails at its
 * offset. fill_burst() writes until the socket is full (bytes left in flight), pump() runs
 * both directions to the end with poll(). */
#ifndef STREAM_CHECK_H
#define STREAM_CHECK_H

#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ct.h"

typedef struct {
  uint64_t seed_out, seed_in, total, sent, recvd;
} stream_t;

static inline uint8_t stream_byte(uint64_t seed, uint64_t i) {
  uint64_t x = (i / 8 + 1) * 0x9E3779B97F4A7C15ull ^ seed;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  return (uint8_t)(x >> ((i % 8) * 8));
}

static inline int stream_send(int fd, stream_t* s) {
  static uint8_t buf[65536];
  uint64_t n = s->total - s->sent;
  if (n > sizeof buf) n = sizeof buf;
  for (uint64_t k = 0; k < n; ++k) buf[k] = stream_byte(s->seed_out, s->sent + k);
  ssize_t w = send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (w > 0) s->sent += (uint64_t)w;
  return (int)w;
}

static inline int stream_recv(int fd, stream_t* s) {
  static uint8_t buf[65536];
  ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (r == 0) ct_fail("peer closed the stream after %llu bytes", (unsigned long long)s->recvd);
  for (ssize_t k = 0; k < r; ++k) {
    if (buf[k] != stream_byte(s->seed_in, s->recvd + (uint64_t)k)) {
      ct_fail("stream byte %llu differs", (unsigned long long)(s->recvd + (uint64_t)k));
    }
  }
  if (r > 0) s->recvd += (uint64_t)r;
  return (int)r;
}

/* Writes until the socket accepts no more; returns the bytes written. */
static inline uint64_t fill_burst(int fd, stream_t* s) {
  uint64_t before = s->sent;
  while (s->sent < s->total && stream_send(fd, s) > 0) {
  }
  return s->sent - before;
}

/* Sends the rest and receives all of the peer's stream. */
static inline void pump(int fd, stream_t* s) {
  while (s->sent < s->total || s->recvd < s->total) {
    struct pollfd p = {fd, (short)(POLLIN | (s->sent < s->total ? POLLOUT : 0)), 0};
    int n = poll(&p, 1, 30000);
    if (n == 0) ct_fail("stream stalled: sent %llu, received %llu",
                        (unsigned long long)s->sent, (unsigned long long)s->recvd);
    if (n < 0) continue;
    if (p.revents & (POLLERR | POLLNVAL)) ct_fail("poll revents %#x", p.revents);
    if (p.revents & POLLOUT) stream_send(fd, s);
    if (p.revents & (POLLIN | POLLHUP)) stream_recv(fd, s);
  }
}

/* Sets 2 MiB send and receive buffers, so megabytes stay in flight. */
static inline void big_buffers(int fd) {
  int v = 2 << 20;
  CT_CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) == 0);
  CT_CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) == 0);
}

/* Waits up to 60 s for `path` (written by the other process) and returns its first byte. */
static inline char wait_result(const char* path) {
  for (int i = 0; i < 6000; ++i) {
    int fd = open(path, O_RDONLY);
    char c = 0;
    if (fd >= 0 && read(fd, &c, 1) == 1) {
      close(fd);
      return c;
    }
    if (fd >= 0) close(fd);
    ct_sleep_ms(10);
  }
  ct_fail("no result in %s", path);
}

/* Publishes a one-byte result atomically. */
static inline void put_result(const char* path, char c) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  CT_CHECK(fd >= 0 && write(fd, &c, 1) == 1);
  close(fd);
  CT_CHECK(rename(tmp, path) == 0);
}

#endif
