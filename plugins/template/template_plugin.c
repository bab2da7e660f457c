/* plugins/template/template_plugin.c: the copy-me plugin. Runs in the checkpoint path
 * (its handler is called while the application's threads are stopped): no malloc, no
 * stdio, no locks an application thread may hold.
 *
 * It counts checkpoints, stores the count in its image section at WRITE_CKPT, reads it
 * back at RESTART, and publishes it in the coordinator's key-value store on the way back
 * (REGISTER_NAME_SERVICE_DATA), then reads the maximum over all processes (SEND_QUERIES).
 * With TEMPLATE_REPORT=path in the environment it appends one line per event it handles. */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/plugin.h"

#define PLUGIN_NAME "template"

static int64_t checkpoints;  /* in process memory: saved with the image */

static void report(const char *what, long long value) {
  const char *path = getenv("TEMPLATE_REPORT");
  if (path == NULL) return;
  char line[128];
  int n = snprintf(line, sizeof line, "template: %s %lld\n", what, value);
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  if (write(fd, line, (size_t)n) != n) { /* best effort */ }
  close(fd);
}

static int on_event(ckpt_event_t event, void *data) {
  const ckpt_event_data_t *d = data;
  switch (event) {
    case CKPT_EVENT_WRITE_CKPT:
      ++checkpoints;
      report("write", checkpoints);
      return ckpt_section_write(PLUGIN_NAME, &checkpoints, sizeof checkpoints);
    case CKPT_EVENT_RESTART: {
      size_t len = 0;
      const int64_t *saved = ckpt_section_read(PLUGIN_NAME, &len);
      report("restart-section", saved != NULL && len == sizeof *saved ? *saved : -1);
      return 0;
    }
    case CKPT_EVENT_REGISTER_NAME_SERVICE_DATA: {
      int64_t max = 0;
      int rc = ckpt_kv_atomic(CKPT_KV_MAX, "template.max", 12, checkpoints, &max);
      report(d->is_restart ? "published-after-restart" : "published", rc == 0 ? max : -1);
      return 0;
    }
    default:
      return 0;
  }
}

/* name, order (10..999 for built-ins; ascending at checkpoint), section version, handler */
CKPT_DECLARE_PLUGIN({CKPT_PLUGIN_ABI_V1, PLUGIN_NAME, 500, 1, on_event});
