/* tests/cr/socket/shared_conn.c
 * One connection held by two processes: the client parent forks a child after connecting
 * and both write tagged records to the same socket, taking turns through a counter in
 * shared memory; the server checks that records arrive in turn order, each sequence number
 * once, and its replies are read by the parent alone. Records are in flight both ways at
 * the checkpoint. Afterwards both client fds must still be one open file description
 * (O_NONBLOCK set by the child is seen by the parent; same inode), and so must the
 * listener both inherited, which must still accept. shared_pair.c: a socketpair whose two
 * ends all three processes hold. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>

#include "stream_check.h"

#define TURNS1 2000 /* records before the checkpoint, both writers */
#define TURNS 4000
#define REPLIES 256
typedef struct { uint32_t turn, who, seq, sum; uint8_t pad[240]; } rec_t;
static struct { volatile int turn, go, nb, phase, done; volatile uint64_t ino[2]; } *sh;

static void fill(rec_t* r, uint32_t turn) {
  r->turn = turn, r->who = turn % 2, r->seq = turn / 2, r->sum = 0;
  for (int k = 0; k < 240; ++k) r->sum += r->pad[k] = stream_byte(r->who + 7, turn * 240u + k);
}

static void xfer(int fd, rec_t* r, int out) {
  for (size_t n = 0; n < sizeof *r;) {
    char* p = (char*)r + n;
    ssize_t k = out ? send(fd, p, sizeof *r - n, MSG_NOSIGNAL) : recv(fd, p, sizeof *r - n, 0);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (k <= 0) ct_fail("%s failed after %zu bytes, errno %d", out ? "send" : "recv", n, errno);
    n += (size_t)k;
  }
}

static void wait_for(volatile int* v, int want) {
  for (uint64_t t0 = ct_now_ns(); *v < want; sched_yield()) {
    if (ct_now_ns() - t0 > 60000000000ull) ct_fail("waited 60 s for %d (at %d)", want, *v);
  }
}

static void writer(int fd, int who, int upto) { /* my turns below upto */
  rec_t r;
  for (int t = sh->turn; t < upto; t = sh->turn) {
    if (t % 2 != who) { sched_yield(); continue; }
    fill(&r, (uint32_t)t);
    xfer(fd, &r, 1);
    __atomic_store_n(&sh->turn, t + 1, __ATOMIC_SEQ_CST);
  }
}

static void server(int fd) {
  rec_t r, want;
  for (int k = 0; k < REPLIES; ++k) fill(&r, (uint32_t)k), xfer(fd, &r, 1);
  wait_for(&sh->go, 1);
  for (int t = 0; t < TURNS; ++t) {
    xfer(fd, &r, 0);
    fill(&want, (uint32_t)t);
    if (memcmp(&r, &want, sizeof r) != 0) ct_fail("record %d: turn %u who %u", t, r.turn, r.who);
  }
  fill(&r, TURNS), xfer(fd, &r, 1);
  __atomic_add_fetch(&sh->done, 1, __ATOMIC_SEQ_CST);
  _exit(0);
}

static void check_shared(int fd, int l, int child) {
  struct stat st;
  CT_CHECK(fstat(fd, &st) == 0);
  if (child) {
    sh->ino[0] = st.st_ino;
    CT_CHECK(fstat(l, &st) == 0);
    sh->ino[1] = st.st_ino;
    CT_CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
    __atomic_store_n(&sh->nb, 1, __ATOMIC_SEQ_CST);
    wait_for(&sh->nb, 2);
    CT_CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
    return;
  }
  wait_for(&sh->nb, 1);
  CT_CHECK(sh->ino[0] == st.st_ino && (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  CT_CHECK(fstat(l, &st) == 0 && sh->ino[1] == st.st_ino);
  CT_CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0);
  __atomic_store_n(&sh->nb, 2, __ATOMIC_SEQ_CST);
}

static in_port_t port;

static void listener_works(int l) { /* same port, still accepting */
  (void)l, (void)port;
#ifndef PAIR
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CT_CHECK(c >= 0 && getsockname(l, (struct sockaddr*)&a, &len) == 0 && a.sin_port == port);
  CT_CHECK(connect(c, (struct sockaddr*)&a, len) == 0);
  int s = accept(l, NULL, NULL);
  CT_CHECK(s >= 0 && write(c, "x", 1) == 1 && read(s, &a, 1) == 1);
  close(s), close(c);
#endif
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CT_CHECK(sh != MAP_FAILED);
  int l, fd, sfd;
#ifdef PAIR
  int sv[2];
  CT_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  l = fd = sv[0], sfd = sv[1];
#else
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  l = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1; /* else the old connection's TIME_WAIT would take the port at restart */
  CT_CHECK(l >= 0 && setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  CT_CHECK(bind(l, (struct sockaddr*)&a, len) == 0 && listen(l, 4) == 0);
  CT_CHECK(getsockname(l, (struct sockaddr*)&a, &len) == 0);
  port = a.sin_port;
  fd = socket(AF_INET, SOCK_STREAM, 0);
  CT_CHECK(fd >= 0 && connect(fd, (struct sockaddr*)&a, len) == 0);
  CT_CHECK((sfd = accept(l, NULL, NULL)) >= 0);
#endif
  big_buffers(fd), big_buffers(sfd);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
#ifndef PAIR /* the TCP peers close what they do not use; the socketpair's keep both ends */
  if (pid == 0) close(fd), close(l);
  if (pid != 0) close(sfd);
#endif
  if (pid == 0) server(sfd);
  pid = fork();
  CT_CHECK(pid >= 0);
  int child = pid == 0;
  writer(fd, child, TURNS1);
  if (child) {
    wait_for(&sh->go, 1);
  } else {
    wait_for(&sh->turn, TURNS1);
    ct_log("%d records sent, %d replies unread at the checkpoint", TURNS1, REPLIES);
    ct_checkpoint_point();
    __atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
  }
  check_shared(fd, l, child);
  writer(fd, child, TURNS);
  if (child) {
    __atomic_add_fetch(&sh->done, 1, __ATOMIC_SEQ_CST);
    _exit(0);
  }
  rec_t r, want;
  for (int k = 0; k <= REPLIES; ++k) {
    xfer(fd, &r, 0);
    fill(&want, (uint32_t)(k == REPLIES ? TURNS : k));
    if (memcmp(&r, &want, sizeof r) != 0) ct_fail("reply %d: turn %u", k, r.turn);
  }
  wait_for(&sh->done, 2);
  listener_works(l);
  ct_pass();
}
