/* dmtcp/plugin.h: the DMTCP 2.x plugin header (shared/seed/plugin-tutorial.txt, Appendix A).
 * Everything lives in dmtcp.h; this name is kept so that `#include "dmtcp/plugin.h"`
 * compiles unchanged. */
#ifndef DMTCP_PLUGIN_H
#define DMTCP_PLUGIN_H

#include "../dmtcp.h"

#endif /* DMTCP_PLUGIN_H */
