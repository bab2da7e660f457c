// plugins/socket/socket_share.h: sockets held by several processes of one host (inherited
// across fork, passed with SCM_RIGHTS). They are one open file description, so exactly one
// process, the owner (the lowest vpid holding the socket), drains, refills and re-creates
// it; the others (followers) leave it alone and at restart receive the owner's new socket
// through host-local fd passing, so all share one open file description again (status
// flags such as O_NONBLOCK included; FD_CLOEXEC stays per fd).
//
//   LEADER_ELECTION  share_publish(): per socket, KV MIN and MAX of the vpid under
//                    socket.own.<gen>.<round>.<host>.<inode> (inodes are per host)
//   DRAIN            share_decide() (after the core's leader_election barrier): reads both;
//                    min != max: shared, and a follower unless min is this vpid; a process
//                    holding a shared socket adds 1 to socket.shared.<gen>.<round>
//   WRITE_CKPT       share_note_round() (after the core's drain barrier): whether any
//                    process shares a socket; the fd exchange at restart is collective, so
//                    every process must take the same decision, and none pays its two
//                    barriers when nothing is shared
//   RESTART          share_restart(), after the owners' sockets are at their numbers:
//                    owners offer "socket:<inode>", followers want it, one exchange, then
//                    followers dup3 what they received to their saved numbers
// Checkpoint path: yes.
#pragma once

namespace ckpt::socket {

void share_publish(const char* round_prefix);
void share_decide(const char* round_prefix);
void share_note_round(const char* round_prefix);
// Returns 0, 1 if the coordinator aborted the restart, or -errno.
int share_restart();

}  // namespace ckpt::socket
