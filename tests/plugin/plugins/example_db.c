/* tests/plugin/plugins/example_db.c: publish/subscribe (seed section 3.2.3). Each process
 * publishes its current pid under its role (PUBSUB_ROLE) at REGISTER_NAME_SERVICE_DATA and
 * looks its peer's up at SEND_QUERIES; after a restart the pids are new, and each process
 * learns its peer's new pid through the coordinator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dmtcp.h"

void dmtcp_event_hook(DmtcpEvent_t event, DmtcpEventData_t *data)
{
  DMTCP_NEXT_EVENT_HOOK(event, data);  /* seed: after the internal plugins */
  const char *role = getenv("PUBSUB_ROLE");
  if (role == NULL) return;
  const char *peer = strcmp(role, "parent") == 0 ? "child" : "parent";
  char key[64], val[64];
  if (event == DMTCP_EVENT_REGISTER_NAME_SERVICE_DATA) {
    snprintf(key, sizeof key, "example-db/%s", role);
    snprintf(val, sizeof val, "%d", (int)getpid());
    int ok = dmtcp_send_key_val_pair_to_coordinator(key, strlen(key) + 1, val, strlen(val) + 1);
    printf("%s: published pid %s (ok=%d, restart=%d)\n", role, val, ok,
           data->nameserviceInfo.isRestart);
    fflush(stdout);
  } else if (event == DMTCP_EVENT_SEND_QUERIES) {
    snprintf(key, sizeof key, "example-db/%s", peer);
    size_t len = sizeof val;
    memset(val, 0, sizeof val);
    int ok = dmtcp_send_query_to_coordinator(key, strlen(key) + 1, val, &len);
    printf("%s: peer %s has pid %s (ok=%d, restart=%d)\n", role, peer, ok ? val : "?", ok,
           data->nameserviceInfo.isRestart);
    fflush(stdout);
  }
}
