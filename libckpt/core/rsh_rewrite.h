// libckpt/core/rsh_rewrite.h: processes started on other hosts through a remote-shell agent
// (ssh, rsh, or a name listed in CKPT_RSH_AGENTS, e.g. Open MPI's plm_rsh_agent) run under
// ckpt there and join the same coordinator. When the application execs such an agent with
// a remote command, exec_wrappers.cc runs instead
//   AGENT [OPTIONS] HOST '<prefix>/bin/ckpt' launch --join --coord-host ADDR --coord-port P
//         --ckptdir DIR [--with-plugin P]... -- CMD
// (one command string for the remote shell, like ssh builds it). CMD is the remote
// command's words when it is one plain command, so the program itself becomes the member;
// a command with shell syntax (operators, quotes, expansions, assignments) becomes
// `/bin/sh -c '<command>'`, keeping its meaning, and the shell is a member too (dash does
// not exec the last command, so restarting it needs the process tree restored).
// ADDR is the coordinator address as the remote host reaches it: the configured one,
// unless that is a loopback or wildcard address, then this host's source address toward
// the remote host (or its first non-loopback IPv4 address when the host name is neither an
// address nor in /etc/hosts).
//
// The agent itself runs without libckpt (LD_PRELOAD loses libckpt and its plugins): it
// holds a connection to a remote daemon (sshd) that is outside the computation and cannot
// be re-created on restart. It is therefore not a member and not in any image. At restart
// the remote processes are restored directly on their (mapped) hosts by
// `ckpt restart --hosts ...`; the local process that had started the agent no longer has
// that child (waiting for it reports no child), the same as for any non-member child.
// Set CKPT_RSH_REWRITE=0 to exec agents unchanged.
// Not checkpoint-path (application threads, before exec; may allocate).
#pragma once

namespace ckpt {

struct RshRewrite {
  char** argv = nullptr;  // malloc'd, NULL-terminated; strings owned by `strings`
  char** envp = nullptr;
  char* strings = nullptr;
};

// True (and `out` filled) if `file`/`argv` run a remote-shell agent with a remote command.
bool rewrite_rsh_exec(const char* file, char* const argv[], char* const envp[], RshRewrite* out);
void free_rsh_rewrite(RshRewrite* r);

}  // namespace ckpt
