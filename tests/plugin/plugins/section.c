/* tests/plugin/plugins/section.c: a native plugin ("secplug") with an image section. At
 * WRITE_CKPT it writes a 3000-byte pattern (varying per checkpoint); at RESTART it reads
 * the section back from the restored image and prints whether it matches. */
#include <stdio.h>
#include <string.h>
#include "ckpt/plugin.h"

static unsigned char expected[3000];
static int rounds;

static int on_event(ckpt_event_t event, void *data)
{
  (void)data;
  if (event == CKPT_EVENT_WRITE_CKPT) {
    ++rounds;
    for (size_t i = 0; i < sizeof expected; ++i) expected[i] = (unsigned char)(i * 7 + rounds);
    return ckpt_section_write("secplug", expected, sizeof expected);
  }
  if (event == CKPT_EVENT_RESTART) {
    size_t len = 0;
    const unsigned char *p = ckpt_section_read("secplug", &len);
    int ok = p != NULL && len == sizeof expected;
    for (size_t i = 0; ok && i < len; ++i) ok = p[i] == (unsigned char)(i * 7 + rounds);
    printf("secplug: section %s (%zu bytes, round %d)\n", ok ? "ok" : "BAD", len, rounds);
    fflush(stdout);
  }
  return 0;
}

CKPT_DECLARE_PLUGIN({CKPT_PLUGIN_ABI_V1, "secplug", 30, 2, on_event});
