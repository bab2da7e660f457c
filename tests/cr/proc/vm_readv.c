/* tests/cr/proc/vm_readv.c
 * After restart, calls that name another process by the pid fork() returned reach it:
 * process_vm_readv of the child's buffer and process_vm_writev of its flag, setpriority,
 * prlimit and sched_getaffinity on it, and pidfd_open, whose pidfd waitid(P_PIDFD) reports
 * the child's pid. The child checks the priority and limit it was given. */
#include "ct.h" /* first: it defines _GNU_SOURCE */

#include <sched.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define NICE_SET 7
#define NOFILE_SET 321

static char g_buffer[4096];
static volatile int g_flag;

static void run_child(void) {
  for (size_t i = 0; i < sizeof g_buffer; ++i)
    g_buffer[i] = (char)('a' + i % 23);
  int fd = open(ct_path("child.ready"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
  ct_checkpoint_point();
  for (int i = 0; i < 500 && g_flag == 0; ++i)
    ct_sleep_ms(10);
  if (g_flag != 1) ct_fail("child: flag %d, want 1 from process_vm_writev", g_flag);
  errno = 0;
  int prio = getpriority(PRIO_PROCESS, 0);
  struct rlimit lim;
  CT_CHECK(getrlimit(RLIMIT_NOFILE, &lim) == 0);
  if (prio != NICE_SET || lim.rlim_cur != NOFILE_SET) {
    ct_fail("child: nice %d, RLIMIT_NOFILE %lu; want %d, %d", prio, (unsigned long)lim.rlim_cur,
            NICE_SET, NOFILE_SET);
  }
  _exit(0);
}

static void poke_child(pid_t child) {
  char copy[sizeof g_buffer];
  struct iovec local = {copy, sizeof copy}, remote = {g_buffer, sizeof g_buffer};
  CT_CHECK(process_vm_readv(child, &local, 1, &remote, 1, 0) == (ssize_t)sizeof copy);
  for (size_t i = 0; i < sizeof copy; ++i) {
    if (copy[i] != (char)('a' + i % 23)) ct_fail("child buffer differs at %zu", i);
  }
  CT_CHECK(setpriority(PRIO_PROCESS, (id_t)child, NICE_SET) == 0);
  struct rlimit lim = {NOFILE_SET, NOFILE_SET}, old;
  CT_CHECK(prlimit(child, RLIMIT_NOFILE, &lim, &old) == 0);
  cpu_set_t cpus;
  CT_CHECK(sched_getaffinity(child, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) > 0);
  int one = 1;
  struct iovec src = {&one, sizeof one}, dst = {(void*)&g_flag, sizeof g_flag};
  CT_CHECK(process_vm_writev(child, &src, 1, &dst, 1, 0) == (ssize_t)sizeof one);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child == 0) run_child();
  while (access(ct_path("child.ready"), F_OK) != 0)
    ct_sleep_ms(10);

  ct_checkpoint_point();

  int pidfd = pidfd_open(child, 0);
  CT_CHECK(pidfd >= 0);
  poke_child(child);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  CT_CHECK(waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) == 0);
  close(pidfd);
  if (si.si_pid != child || si.si_code != CLD_EXITED || si.si_status != 0) {
    ct_fail("waitid(P_PIDFD): pid %d code %d status %d; want %d exited 0", (int)si.si_pid,
            si.si_code, si.si_status, (int)child);
  }
  ct_log("process_vm_readv/writev, setpriority, prlimit, pidfd reached child %d", (int)child);
  ct_pass();
}
