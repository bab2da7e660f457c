/* tests/cr/fd/signalfd.c: a signalfd keeps its mask: a signal pending at the checkpoint and
 * one sent afterwards are both read from it; a signal outside its mask is not. */
#include "ct.h"

#include <sys/signalfd.h>

int main(int argc, char** argv) {
  ct_init(argc, argv);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGRTMIN + 3);
  sigset_t blocked = mask;
  sigaddset(&blocked, SIGUSR2);
  CT_CHECK(pthread_sigmask(SIG_BLOCK, &blocked, NULL) == 0);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  CT_CHECK(sfd >= 0);
  CT_CHECK(kill(getpid(), SIGRTMIN + 3) == 0);  /* pending across the checkpoint */

  ct_checkpoint_point();

  struct signalfd_siginfo si;
  CT_CHECK(read(sfd, &si, sizeof si) == sizeof si && (int)si.ssi_signo == SIGRTMIN + 3);
  CT_CHECK(kill(getpid(), SIGUSR2) == 0);  /* blocked, not in the fd's mask */
  CT_CHECK(read(sfd, &si, sizeof si) == -1 && errno == EAGAIN);
  CT_CHECK(kill(getpid(), SIGUSR1) == 0);
  CT_CHECK(read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR1);
  CT_CHECK(fcntl(sfd, F_GETFD) & FD_CLOEXEC);
  ct_pass();
}
