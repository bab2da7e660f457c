/* tests/cr/socket/tcp6_stream.c
 * tcp_stream.c over IPv6 loopback (::1): two processes, megabytes in flight both ways. */
#define FAMILY AF_INET6
#include "tcp_stream.c"
