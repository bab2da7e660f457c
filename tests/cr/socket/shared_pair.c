/* tests/cr/socket/shared_pair.c: shared_conn.c over a Unix socketpair whose two ends the
 * parent, the child and the peer process all hold (none closes the end it does not use). */
#define PAIR 1
#include "shared_conn.c"
