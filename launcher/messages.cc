// launcher/messages.cc: see messages.h.
#include "launcher/messages.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace ckpt::launcher {

int fail(const std::string& cmd, const Status& status) {
  std::fprintf(stderr, "ckpt %s: %s\n", cmd.c_str(), status.message().c_str());
  return 1;
}

int fail_usage(const std::string& cmd, const std::string& text) {
  std::fprintf(stderr, "ckpt %s: %s\n%s\n", cmd.c_str(), text.c_str(),
               msg::usage_hint("ckpt " + cmd).c_str());
  return 2;
}

namespace msg {

namespace {
std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}
std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}
}  // namespace

std::string usage_hint(const std::string& cmd) { return "run '" + cmd + " --help' for usage"; }
std::string unknown_option(const std::string& option) {
  return "unknown option '" + option + "'";
}
std::string missing_program() {
  return "no program given: ckpt launch [options] PROG [ARGS...]";
}
std::string missing_command() { return "no command given"; }

std::string no_coordinator(const std::string& addr, const std::string& reason) {
  return "no coordinator at " + addr + " (" + reason + ")";
}
std::string start_coordinator_hint() {
  return "; start one with 'ckpt coordinator' or set CKPT_COORD_PORT";
}
std::string join_no_coordinator(const std::string& addr) {
  return "no coordinator at " + addr +
         " (--join-coordinator given, so none is started; start one with 'ckpt coordinator')";
}
std::string coordinator_not_local(const std::string& addr) {
  return "no coordinator at " + addr +
         ", and one can only be started on this host; start 'ckpt coordinator' there";
}
std::string coordinator_start_failed(const std::string& addr, int exit_code) {
  return "could not start a coordinator for " + addr + " (it exited with status " +
         std::to_string(exit_code) + "; its message is above)";
}
std::string coordinator_not_answering(const std::string& addr, double s) {
  return "the coordinator started at " + addr + " did not accept connections within " +
         seconds(s);
}
std::string coordinator_not_built() {
  return "this ckpt was built without the coordinator library";
}
std::string bad_port(const std::string& text, const std::string& what) {
  return "bad port '" + text + "' in " + what + " (expected 0..65535)";
}
std::string bad_port_file(const std::string& path) {
  return "port file " + path + " is missing or empty";
}
std::string bad_interval_env(const std::string& value) {
  return "bad checkpoint interval '" + value +
         "' in CKPT_CHECKPOINT_INTERVAL/DMTCP_CHECKPOINT_INTERVAL (expected seconds)";
}
std::string reply_timeout(const std::string& addr, double s) {
  return "no reply from the coordinator at " + addr + " within " + seconds(s);
}
std::string connection_lost(const std::string& addr, int err) {
  return "the coordinator at " + addr + " closed the connection" +
         (err != 0 ? std::string(" (") + std::strerror(err) + ")" : std::string());
}
std::string bad_reply(const std::string& addr) {
  return "the coordinator at " + addr + " sent a malformed reply (version mismatch?)";
}
std::string command_failed(const std::string& reason) { return reason; }

std::string program_not_found(const std::string& name) {
  return "program '" + name + "' not found or not executable" +
         (name.find('/') == std::string::npos ? " (searched PATH)" : "");
}
std::string static_program(const std::string& program, const std::string& static_file) {
  std::string who = program == static_file ? "'" + program + "'"
                                           : "'" + program + "' (interpreter " + static_file + ")";
  return who + " is statically linked: libckpt.so cannot be preloaded into it (LD_PRELOAD is "
               "ignored). Relink it dynamically to checkpoint it";
}
std::string plugin_not_found(const std::string& name, const std::string& plugin_dir) {
  return "plugin '" + name + "' not found (searched LD_LIBRARY_PATH and " + plugin_dir + ")";
}
std::string libckpt_missing(const std::string& path) {
  return "libckpt.so not found at " + path + "; the ckpt installation is incomplete";
}
std::string cannot_create_dir(const std::string& dir, int err) {
  return "cannot create checkpoint directory " + dir + ": " + std::strerror(err);
}
std::string exec_failed(const std::string& program, int err) {
  return "cannot execute " + program + ": " + std::strerror(err);
}

std::string no_such_path(const std::string& path) { return path + ": no such file or directory"; }
std::string not_a_checkpoint(const std::string& path) {
  return path + ": not an image, a generation directory (gen-NNNNNN) or a job directory";
}
std::string mixed_restart_paths(const std::string& path) {
  return path + ": several paths must all be image files (give a directory alone)";
}
std::string no_images(const std::string& where) {
  return where + ": no images (*.ckpt) found";
}
std::string original_still_running(const std::string& image, int pid, const std::string& program) {
  return image + ": its process still runs here (pid " + std::to_string(pid) + ", " + program +
         "); a second copy would write to the same files. Stop it first ('ckpt kill'), or "
         "pass --force";
}

std::string plugin_not_available(const std::string& image, const std::string& plugin,
                                 const std::string& path) {
  return image + ": needs plugin '" + plugin + "' (" + path +
         "), which is not available here; install it at that path or restart where it is";
}

std::string listed_image_missing(const std::string& path) {
  return path + ": missing (listed in index.h5)";
}
std::string index_mismatch(const std::string& path, uint64_t index_size, uint32_t index_crc,
                           uint64_t size, uint32_t crc) {
  return path + ": does not match index.h5 (index: " + std::to_string(index_size) + " bytes, " +
         hex32(index_crc) + "; file: " + std::to_string(size) + " bytes, " + hex32(crc) + ")";
}
std::string mixed_generations(const std::string& where, const std::string& a,
                              const std::string& b) {
  return where + ": " + a + " and " + b + " belong to different generations or jobs";
}
std::string duplicate_vpid(const std::string& where, int vpid) {
  return where + ": two images of process vpid " + std::to_string(vpid);
}
std::string process_count(const std::string& where, size_t found, uint32_t nprocs) {
  return where + ": " + std::to_string(found) + " image(s) found, the generation has " +
         std::to_string(nprocs) + " process(es)";
}
std::string no_valid_generation(const std::string& job_dir) {
  return job_dir + ": no generation verifies; nothing to restart";
}
std::string skipping(const std::string& generation, const std::string& reason) {
  return "skipping " + generation + ": " + reason;
}
std::string restart_banner(uint64_t generation, const std::string& job, size_t nprocs,
                           const std::string& dir) {
  return "generation " + std::to_string(generation) + " of job " + job + ": " +
         std::to_string(nprocs) + " process(es) from " + dir;
}
std::string loader_missing(const std::string& path) {
  return "restart loader not found at " + path + "; the ckpt installation is incomplete";
}
std::string bad_proctree_section(const std::string& image, const std::string& why) {
  return image + ": section core.proctree " + why + "; the image is damaged or from a newer ckpt";
}
std::string tree_step_failed(int pid, const std::string& stage, int err) {
  return "re-creating process " + std::to_string(pid) + " (its pid at checkpoint): " + stage +
         " failed: " + std::strerror(err);
}
std::string child_not_in_generation(const std::string& image, int pid, int child) {
  return "warning: " + image + ": process " + std::to_string(pid) + " had a running child " +
         std::to_string(child) + " that is not part of this generation (started just before "
         "the checkpoint, or not under ckpt); it will be missing, and waiting for it fails";
}
std::string saved_pids_given_up(const std::string& live, const std::string& stuck,
                                double waited_s) {
  std::string why;
  if (!live.empty()) {
    why = live + " (held by running processes)";
  }
  if (!stuck.empty()) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", waited_s);
    why += (why.empty() ? "" : "; ") + stuck + " (still held by exiting processes or zombies " +
           "after " + secs + " s: their parent has not reaped them)";
  }
  return "info: saved pids not given back: " + why +
         ". Those processes and threads get new pids, which the pid plugin maps";
}
std::string saved_pids_not_chosen() {
  return "info: saved pids not given back: choosing pids needs root or CAP_CHECKPOINT_RESTORE. "
         "Every process gets a new pid, which the pid plugin maps";
}
std::string tree_incomplete(size_t started, size_t total) {
  return "only " + std::to_string(started) + " of " + std::to_string(total) +
         " processes of the tree started; the others were stopped";
}

// Restart on other hosts.
namespace {
std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    out += (out.empty() ? "" : ",") + w;
  }
  return out;
}
}  // namespace

std::string bad_hostfile(const std::string& path, const std::string& why) {
  return "hostfile " + path + " " + why + "; it needs one host name per line";
}
std::string bad_host_map_entry(const std::string& entry) {
  return "--host-map entry '" + entry + "' is not OLD=NEW (e.g. --host-map h1=h3,h2=h4)";
}
std::string host_map_unknown_host(const std::string& host, const std::vector<std::string>& saved) {
  return "--host-map names host '" + host + "', but the generation's processes ran on " +
         joined(saved);
}
std::string host_flags_exclusive() {
  return "--hosts, --hostfile and --host-map are alternatives: give only one";
}
std::string too_few_hosts(const std::vector<std::string>& saved,
                          const std::vector<std::string>& targets) {
  return "the generation ran on " + std::to_string(saved.size()) + " hosts (" + joined(saved) +
         ") but only " + std::to_string(targets.size()) + " were given (" + joined(targets) +
         "); give one target host per saved host, in order";
}
std::string no_routable_address(const std::string& peer) {
  return "this host has no address that " + (peer.empty() ? std::string("other hosts") : peer) +
         " could reach the coordinator by; give --coord-host or --coord-bind";
}
std::string unknown_coord_host(const std::string& host, const std::string& why) {
  return "coordinator host '" + host + "' cannot be resolved (" + why +
         "); give an address or a name in /etc/hosts";
}
std::string bad_rsh_agent(const std::string& agent) {
  return "--rsh-agent/CKPT_RSH_AGENT '" + agent + "' names no command";
}
std::string agent_exec_failed(const std::string& agent, const std::string& host, int err) {
  return "host " + host + ": cannot run the agent " + agent + ": " + std::strerror(err) +
         " (set --rsh-agent or CKPT_RSH_AGENT)";
}
std::string remote_process_failed(const std::string& host, int32_t vpid, const std::string& image,
                                  int code) {
  return "host " + host + ": process vpid " + std::to_string(vpid) + " (" + image +
         ") ended with exit code " + std::to_string(code);
}
std::string local_restore_failed(int32_t vpid, const std::string& image, int code) {
  return "this host: restoring vpid " + std::to_string(vpid) + " (" + image +
         ") failed with exit code " + std::to_string(code);
}
std::string remote_restore_failed(const std::string& host, int32_t vpid, const std::string& agent,
                                  int code) {
  std::string why = code == 255 || code == 127
                        ? " (the host cannot be reached through '" + agent + "'?)"
                        : " (the process's own message is on its restored stderr)";
  return "host " + host + ": restoring vpid " + std::to_string(vpid) + " through '" + agent +
         "' failed with exit code " + std::to_string(code) + why;
}
std::string restore_never_joined(const std::string& host, int32_t vpid, const std::string& coord,
                                 double timeout_s) {
  return "host " + (host.empty() ? std::string("(this host)") : host) + ": vpid " +
         std::to_string(vpid) + " had not joined the coordinator at " + coord + " after " +
         seconds(timeout_s) + " (is the host up, and the coordinator reachable from there?)";
}
std::string restoring_remotely(const std::string& host, int32_t vpid, const std::string& saved_host,
                               const std::string& agent) {
  return "host " + host + ": restoring vpid " + std::to_string(vpid) + " (saved on " + saved_host +
         ") through '" + agent + "'";
}
std::string restart_failed_on_hosts() {
  return "restart failed; the processes that did start were killed:";
}
std::string restart_round_stuck(const std::string& coord, double timeout_s) {
  return "the restart round at " + coord + " did not finish within " + seconds(timeout_s);
}

std::string unknown_old_host(const std::string& host, uint64_t generation,
                             const std::string& hosts) {
  return "--only-host " + host + ": no process of generation " + std::to_string(generation) +
         " ran on that host; its hosts are: " + hosts;
}
std::string part_of_hosts(size_t nprocs, const std::string& hosts) {
  return "restarting the " + std::to_string(nprocs) + " process(es) that ran on " + hosts;
}
std::string slurm_env_missing(const std::string& var) {
  return "--slurm needs " + var +
         " from srun; run it as a job step: srun -N <nodes> --ntasks-per-node=1 ckpt restart "
         "--slurm GEN (without Slurm, use --only-host HOST)";
}
std::string slurm_hostlist_failed(const std::string& list, const std::string& why) {
  return "cannot expand the Slurm node list '" + list + "' with 'scontrol show hostnames': " +
         why + " (is Slurm's scontrol in PATH?)";
}
std::string slurm_node_id_outside(int node_id, const std::string& nodelist, size_t nodes) {
  return "SLURM_NODEID " + std::to_string(node_id) + " is outside the step's node list " +
         nodelist + " (" + std::to_string(nodes) + " node(s))";
}
std::string slurm_second_task(int local_id, const std::string& node) {
  return "--slurm restarts one part per node, but this is task " + std::to_string(local_id) +
         " (SLURM_LOCALID) on node " + node +
         ": run one task per node (srun --ntasks-per-node=1)";
}
std::string slurm_too_few_nodes(size_t nodes, const std::string& nodelist, uint64_t generation,
                                size_t hosts, const std::string& host_names) {
  return "the job step has " + std::to_string(nodes) + " node(s) (" + nodelist +
         ") but generation " + std::to_string(generation) + " ran on " + std::to_string(hosts) +
         " host(s) (" + host_names + "): run it on at least " + std::to_string(hosts) +
         " nodes (sbatch -N " + std::to_string(hosts) + ", srun -N " + std::to_string(hosts) +
         " --ntasks-per-node=1)";
}
std::string slurm_node_idle(const std::string& node, int node_id, size_t hosts) {
  return "node " + node + " (SLURM_NODEID " + std::to_string(node_id) +
         "): nothing to restart here, the generation ran on " + std::to_string(hosts) +
         " host(s)";
}
std::string slurm_node_part(const std::string& node, int node_id, size_t nodes, size_t nprocs,
                            const std::string& old_host) {
  return "node " + node + " (SLURM_NODEID " + std::to_string(node_id) + " of " +
         std::to_string(nodes) + ") restarts the " + std::to_string(nprocs) +
         " process(es) that ran on " + old_host;
}
std::string command_exit(const std::string& command, int code) {
  return command + (code == 127 ? " could not be run" : " exited with status " +
                                                            std::to_string(code));
}

}  // namespace msg
}  // namespace ckpt::launcher
