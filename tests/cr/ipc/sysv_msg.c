/* tests/cr/ipc/sysv_msg.c
 * SysV message queue: messages queued at checkpoint time are all received after the restart,
 * in order, with their types; the key still finds the queue; a thread blocked in msgrcv()
 * at checkpoint time receives a message sent after the restart. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include "ct.h"

struct message {
  long mtype;
  char text[64];
};

static int g_queue = -1;
static char g_got[64];

static void* waiter(void* arg) {
  (void)arg;
  struct message m;
  CT_CHECK(msgrcv(g_queue, &m, sizeof m.text, 99, 0) > 0);
  memcpy(g_got, m.text, sizeof g_got);
  return NULL;
}

static void cleanup(void) { msgctl(g_queue, IPC_RMID, NULL); } /* also after a failure */

int main(int argc, char** argv) {
  ct_init(argc, argv);
  atexit(cleanup);
  int fd = open(ct_path("msgkey"), O_CREAT | O_WRONLY, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
  key_t key = ftok(ct_path("msgkey"), 'm');
  CT_CHECK(key != -1);
  g_queue = msgget(key, IPC_CREAT | IPC_EXCL | 0620);
  CT_CHECK(g_queue >= 0);
  for (int i = 1; i <= 6; ++i) {
    struct message m = {.mtype = i};
    snprintf(m.text, sizeof m.text, "message %d", i);
    CT_CHECK(msgsnd(g_queue, &m, strlen(m.text) + 1, 0) == 0);
  }
  struct message first;
  CT_CHECK(msgrcv(g_queue, &first, sizeof first.text, 0, 0) > 0);
  CT_CHECK(first.mtype == 1 && strcmp(first.text, "message 1") == 0);
  pthread_t t;
  CT_CHECK(pthread_create(&t, NULL, waiter, NULL) == 0);
  ct_sleep_ms(50);

  ct_checkpoint_point();

  CT_CHECK(msgget(key, 0) == g_queue);
  struct msqid_ds ds;
  CT_CHECK(msgctl(g_queue, IPC_STAT, &ds) == 0);
  CT_CHECK(ds.msg_qnum == 5 && (ds.msg_perm.mode & 0777) == 0620);
  for (int i = 2; i <= 6; ++i) {
    struct message m;
    char want[64];
    snprintf(want, sizeof want, "message %d", i);
    ssize_t n = msgrcv(g_queue, &m, sizeof m.text, 0, IPC_NOWAIT);
    CT_CHECK(n == (ssize_t)strlen(want) + 1);
    if (m.mtype != i || strcmp(m.text, want) != 0) ct_fail("got %ld '%s', want %d '%s'",
                                                          m.mtype, m.text, i, want);
  }
  CT_CHECK(g_got[0] == '\0');
  struct message wake = {.mtype = 99, .text = "wake up"};
  CT_CHECK(msgsnd(g_queue, &wake, 8, 0) == 0);
  CT_CHECK(pthread_join(t, NULL) == 0);
  CT_CHECK(strcmp(g_got, "wake up") == 0);
  CT_CHECK(msgctl(g_queue, IPC_RMID, NULL) == 0);
  CT_CHECK(msgget(key, 0) == -1 && errno == ENOENT);
  g_queue = -1;
  ct_pass();
}
