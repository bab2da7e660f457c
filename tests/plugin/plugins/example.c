/* tests/plugin/plugins/example.c: the event-printing plugin of the seed's section 3.2.1,
 * written from its description (prints at WRITE_CKPT, RESUME and RESTART). */
#include <stdio.h>
#include "dmtcp.h"

void dmtcp_event_hook(DmtcpEvent_t event, DmtcpEventData_t *data)
{
  switch (event) {
  case DMTCP_EVENT_WRITE_CKPT:
    printf("\n*** The plugin is being called before checkpointing. ***\n");
    break;
  case DMTCP_EVENT_RESUME:
    printf("*** Resume: the plugin has now been checkpointed. ***\n");
    break;
  case DMTCP_EVENT_RESTART:
    printf("*** The plugin is now being restarted. ***\n");
    break;
  default:
    break;
  }
  fflush(stdout);
  DMTCP_NEXT_EVENT_HOOK(event, data);
}
