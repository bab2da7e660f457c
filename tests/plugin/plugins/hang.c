/* tests/plugin/plugins/hang.c: a plugin that breaks the rules: its hook never returns at
 * DRAIN (the first time). libckpt's watchdog must name it; the checkpoint fails cleanly. */
#include <unistd.h>
#include "ckpt/plugin.h"

static int on_event(ckpt_event_t event, void *data)
{
  (void)data;
  if (event == CKPT_EVENT_DRAIN) {
    for (;;) pause();
  }
  return 0;
}

CKPT_DECLARE_PLUGIN({CKPT_PLUGIN_ABI_V1, "hang", 20, 1, on_event});
