/* tests/cr/fd/epoll.c: an epoll set with ready fds (a pipe holding data, an eventfd with a
 * count) and not-ready ones (an empty pipe, an edge-triggered eventfd at zero) returns the
 * same events with the same data after a restart; registrations keep their masks. */
#include "ct.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

static int ready_set(int ep, uint64_t* tags, uint32_t* evs) {
  struct epoll_event e[8];
  int n = epoll_wait(ep, e, 8, 100);
  CT_CHECK(n >= 0);
  for (int i = 0; i < n; ++i) { /* sort by tag: order is not part of the contract */
    for (int j = i + 1; j < n; ++j) {
      if (e[j].data.u64 < e[i].data.u64) {
        struct epoll_event t = e[i];
        e[i] = e[j], e[j] = t;
      }
    }
    tags[i] = e[i].data.u64, evs[i] = e[i].events;
  }
  return n;
}

static void add(int ep, int fd, uint32_t events, uint64_t tag) {
  struct epoll_event e = {.events = events, .data.u64 = tag};
  CT_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) == 0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int full[2], empty[2];
  CT_CHECK(pipe(full) == 0 && pipe(empty) == 0);
  CT_CHECK(write(full[1], "abc", 3) == 3);
  int efd = eventfd(7, 0), edge = eventfd(0, EFD_NONBLOCK);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  CT_CHECK(ep >= 0 && efd >= 0 && edge >= 0);
  add(ep, full[0], EPOLLIN, 0x1111000000000001ull);
  add(ep, empty[0], EPOLLIN | EPOLLRDHUP, 0x2222000000000002ull);
  add(ep, efd, EPOLLIN, 0x3333000000000003ull);
  add(ep, edge, EPOLLIN | EPOLLET, 0x4444000000000004ull);
  add(ep, empty[1], EPOLLOUT, 0x5555000000000005ull);
  uint64_t tags[8], tags2[8];
  uint32_t evs[8], evs2[8];
  int n = ready_set(ep, tags, evs);
  CT_CHECK(n == 3);

  ct_checkpoint_point();

  CT_CHECK(fcntl(ep, F_GETFD) & FD_CLOEXEC);
  int n2 = ready_set(ep, tags2, evs2);
  CT_CHECK(n2 == n);
  for (int i = 0; i < n; ++i) CT_CHECK(tags[i] == tags2[i] && evs[i] == evs2[i]);
  uint64_t one = 1;
  CT_CHECK(write(edge, &one, 8) == 8);  /* the edge-triggered one fires on new data */
  n2 = ready_set(ep, tags2, evs2);
  CT_CHECK(n2 == 4 && tags2[2] == 0x4444000000000004ull);
  struct epoll_event e = {.events = EPOLLIN, .data.u64 = 9};
  CT_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, full[0], &e) == -1 && errno == EEXIST);
  ct_pass();
}
