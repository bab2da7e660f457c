// launcher/messages.h: every user-facing text of the `ckpt` command, in one place so that
// they can be reviewed and tested together (STYLE.md section 4, tier 3). Messages name the
// object, what is wrong, and what to do; they carry no "ckpt <cmd>:" prefix (fail() adds it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ckpt/status.h"

namespace ckpt::launcher {

// Prints "ckpt <cmd>: <message>" to stderr; returns exit code 1.
int fail(const std::string& cmd, const Status& status);
// Prints "ckpt <cmd>: <text>" and the usage hint; returns exit code 2.
int fail_usage(const std::string& cmd, const std::string& text);

namespace msg {

// Usage.
std::string usage_hint(const std::string& cmd);  // "run 'ckpt launch --help' for usage"
std::string unknown_option(const std::string& option);
std::string missing_program();
std::string missing_command();

// Coordinator address and connection.
std::string no_coordinator(const std::string& addr, const std::string& reason);
std::string start_coordinator_hint();
std::string join_no_coordinator(const std::string& addr);
std::string coordinator_not_local(const std::string& addr);
std::string coordinator_start_failed(const std::string& addr, int exit_code);
std::string coordinator_not_answering(const std::string& addr, double seconds);
std::string coordinator_not_built();
std::string bad_port(const std::string& text, const std::string& what);
std::string bad_port_file(const std::string& path);
std::string bad_interval_env(const std::string& value);
std::string reply_timeout(const std::string& addr, double seconds);
std::string connection_lost(const std::string& addr, int err);
std::string bad_reply(const std::string& addr);
std::string command_failed(const std::string& reason);

// launch.
std::string program_not_found(const std::string& name);
std::string static_program(const std::string& program, const std::string& static_file);
std::string plugin_not_found(const std::string& name, const std::string& plugin_dir);
std::string libckpt_missing(const std::string& path);
std::string cannot_create_dir(const std::string& dir, int err);
std::string exec_failed(const std::string& program, int err);

// Generations, images, restart.
std::string no_such_path(const std::string& path);
std::string not_a_checkpoint(const std::string& path);
std::string mixed_restart_paths(const std::string& path);
std::string no_images(const std::string& where);
std::string listed_image_missing(const std::string& path);
// An image needs a plugin library that this host does not have.
std::string plugin_not_available(const std::string& image, const std::string& plugin,
                                 const std::string& path);
// restart: the process an image was taken from still runs on this host.
std::string original_still_running(const std::string& image, int pid, const std::string& program);
std::string index_mismatch(const std::string& path, uint64_t index_size, uint32_t index_crc,
                           uint64_t size, uint32_t crc);
std::string mixed_generations(const std::string& where, const std::string& a, const std::string& b);
std::string duplicate_vpid(const std::string& where, int vpid);
std::string process_count(const std::string& where, size_t found, uint32_t nprocs);
std::string no_valid_generation(const std::string& job_dir);
std::string skipping(const std::string& generation, const std::string& reason);
std::string restart_banner(uint64_t generation, const std::string& job, size_t nprocs,
                           const std::string& dir);
std::string loader_missing(const std::string& path);

// Restart on other hosts (--hosts/--hostfile/--host-map/--rsh-agent/--coord-bind).
std::string bad_hostfile(const std::string& path, const std::string& why);
std::string bad_host_map_entry(const std::string& entry);
std::string host_map_unknown_host(const std::string& host, const std::vector<std::string>& saved);
std::string host_flags_exclusive();
std::string too_few_hosts(const std::vector<std::string>& saved,
                          const std::vector<std::string>& targets);
std::string no_routable_address(const std::string& peer);
std::string unknown_coord_host(const std::string& host, const std::string& why);
std::string bad_rsh_agent(const std::string& agent);
std::string agent_exec_failed(const std::string& agent, const std::string& host, int err);
std::string remote_process_failed(const std::string& host, int32_t vpid, const std::string& image,
                                  int code);
std::string local_restore_failed(int32_t vpid, const std::string& image, int code);
std::string remote_restore_failed(const std::string& host, int32_t vpid, const std::string& agent,
                                  int code);
std::string restore_never_joined(const std::string& host, int32_t vpid, const std::string& coord,
                                 double timeout_s);
std::string restart_failed_on_hosts();
std::string restoring_remotely(const std::string& host, int32_t vpid, const std::string& saved_host,
                               const std::string& agent);
std::string restart_round_stuck(const std::string& coord, double timeout_s);

// restart of part of a generation (--only-host, --slurm: restart_selection.cc).
std::string unknown_old_host(const std::string& host, uint64_t generation,
                             const std::string& hosts);
std::string part_of_hosts(size_t nprocs, const std::string& hosts);
std::string slurm_env_missing(const std::string& var);
std::string slurm_hostlist_failed(const std::string& list, const std::string& why);
std::string slurm_node_id_outside(int node_id, const std::string& nodelist, size_t nodes);
std::string slurm_second_task(int local_id, const std::string& node);
std::string slurm_too_few_nodes(size_t nodes, const std::string& nodelist, uint64_t generation,
                                size_t hosts, const std::string& host_names);
std::string slurm_node_idle(const std::string& node, int node_id, size_t hosts);
std::string slurm_node_part(const std::string& node, int node_id, size_t nodes, size_t nprocs,
                            const std::string& old_host);
std::string command_exit(const std::string& command, int code);
// restart: the process tree (restore_tree.cc).
std::string bad_proctree_section(const std::string& image, const std::string& why);
// Which step of re-creating saved process `pid` failed (stage: "fork", "setsid", ...).
std::string tree_step_failed(int pid, const std::string& stage, int err);
std::string tree_incomplete(size_t started, size_t total);
// A live child of a saved process has no image (it joined the coordinator too late).
std::string child_not_in_generation(const std::string& image, int pid, int child);
// Info: saved pids (and tids, pgids) that restored processes will not get back. `live` and
// `stuck` are lists such as "812, 815 and 3 more"; either may be empty.
std::string saved_pids_given_up(const std::string& live, const std::string& stuck,
                                double waited_s);
// Info: the pids cannot be chosen at all (no CAP_CHECKPOINT_RESTORE).
std::string saved_pids_not_chosen();

}  // namespace msg
}  // namespace ckpt::launcher
