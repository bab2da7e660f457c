// launcher/restart_command.cc: `ckpt restart [options] PATH...`: picks the generation to
// restore (job dir: newest that verifies; generation dir; or image files), verifies it,
// finds or starts a coordinator, runs the restart loader per image and exits with the root
// process's status. How much is verified up front: see up_front_verify().
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "launcher/commands.h"
#include "launcher/coordinator_spawn.h"
#include "launcher/generation_finder.h"
#include "launcher/messages.h"
#include "launcher/running_check.h"
#include "launcher/paths.h"
#include "launcher/host_address.h"
#include "launcher/host_map.h"
#include "launcher/remote_restore.h"
#include "launcher/restart_watch.h"
#include "launcher/restore_runner.h"

namespace ckpt::launcher {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCmd = "restart";

std::string parent_of(const std::string& path) {
  std::string p = absolute_path(path);
  while (p.size() > 1 && p.back() == '/') {
    p.pop_back();
  }
  return fs::path(p).parent_path().string();
}

struct Chosen {
  Generation gen;
  std::string default_ckpt_dir;  // where new generations go unless --ckptdir
  std::string source;            // directory the images come from (for the banner)
};

Result<Chosen> choose_generation(const std::vector<std::string>& paths, Verify verify) {
  if (paths.size() == 1) {
    const std::string& path = paths[0];
    switch (classify_path(path)) {
      case PathKind::kJobDir: {
        auto report = [](const std::string& name, const Status& why) {
          std::fprintf(stderr, "ckpt restart: %s\n", msg::skipping(name, why.message()).c_str());
        };
        CKPT_TRY_ASSIGN(Generation gen, select_generation(path, report, verify));
        std::string dir = gen.dir;
        return Chosen{std::move(gen), parent_of(path), dir};
      }
      case PathKind::kGenerationDir: {
        CKPT_TRY_ASSIGN(Generation gen, load_generation(path, verify));
        return Chosen{std::move(gen), parent_of(parent_of(path)), path};
      }
      case PathKind::kMissing: return Status(Code::kNotFound, msg::no_such_path(path));
      case PathKind::kOther: return Status(Code::kInvalid, msg::not_a_checkpoint(path));
      case PathKind::kImage: break;
    }
  }
  for (const std::string& path : paths) {
    PathKind kind = classify_path(path);
    if (kind != PathKind::kImage) {
      return Status(Code::kInvalid, kind == PathKind::kMissing ? msg::no_such_path(path)
                                                               : msg::mixed_restart_paths(path));
    }
  }
  CKPT_TRY_ASSIGN(Generation gen, load_images(paths, verify));
  std::string dir = parent_of(paths[0]);
  return Chosen{std::move(gen), parent_of(parent_of(dir)), dir};
}

// Every checksum is read before anything starts when that decides something: --dry-run, a
// job directory (its newest generation that verifies is chosen), several processes (one
// corrupt image must not leave the others waiting), --detach (nobody would see the loader
// refuse the image, and a coordinator started for it would stay). Otherwise (one process from a
// generation directory or an image file) only the header and tables are checked here: the
// loader checks every region's checksum while it reads the region, before the process runs
// (a mismatch ends it with a message naming the image), so the image is read once. --lazy:
// structure only (help text).
Verify up_front_verify(const RestartOptions& opts) {
  if (opts.lazy) {
    return Verify::kStructure;
  }
  bool job_dir = opts.paths.size() == 1 && classify_path(opts.paths[0]) == PathKind::kJobDir;
  return opts.dry_run || opts.detach || job_dir ? Verify::kFull : Verify::kStructure;
}

Result<Chosen> choose_and_verify(const RestartOptions& opts) {
  Verify verify = up_front_verify(opts);
  Result<Chosen> chosen = choose_generation(opts.paths, verify);
  if (chosen.is_ok() && !opts.lazy && verify == Verify::kStructure &&
      chosen.value().gen.images.size() > 1) {
    return choose_generation(opts.paths, Verify::kFull);
  }
  return chosen;
}

int print_dry_run(const Chosen& chosen, const std::string& ckpt_dir, const HostMapping& mapping) {
  std::printf("generation %llu\n", static_cast<unsigned long long>(chosen.gen.number));
  std::printf("job %s\n", chosen.gen.job_id.c_str());
  std::printf("dir %s\n", chosen.source.c_str());
  std::printf("ckptdir %s\n", ckpt_dir.c_str());
  for (const image::ImageInfo& img : chosen.gen.images) {
    std::printf("image %s\n", img.file.c_str());
  }
  for (const std::string& saved : mapping.saved_hosts) {  // only when hosts move
    if (mapping.target_of(saved) != saved) {
      std::printf("host %s -> %s\n", saved.c_str(), mapping.target_of(saved).c_str());
    }
  }
  return 0;
}

HostMapFlags host_flags(const RestartOptions& opts) {
  return HostMapFlags{opts.hosts, opts.hostfile, opts.host_map};
}

// The images restored on this host (the running-original check applies to them only).
Generation local_part(const Generation& gen, const HostMapping& mapping) {
  Generation local{gen.dir, gen.number, gen.job_id, {}};
  for (const image::ImageInfo& img : gen.images) {
    std::string saved = image::fixed_string(img.header.host, sizeof img.header.host);
    if (is_this_host(mapping.target_of(saved))) {
      local.images.push_back(img);
    }
  }
  return local;
}

CoordinatorNeed coordinator_need(const RestartOptions& opts, const std::string& ckpt_dir,
                                 const Generation& gen) {
  CoordinatorNeed need{opts.coord,   opts.new_coordinator,  opts.join_coordinator, ckpt_dir,
                       std::nullopt, opts.barrier_timeout, -1,                    gen.job_id};
  if (!opts.coord_bind.empty()) {
    need.flags.host = opts.coord_bind;
    need.flags.port = opts.coord.port >= 0 ? opts.coord.port : 0;
    need.force_new = true;
    need.bind = opts.coord_bind;
  }
  return need;
}

bool any_remote(const Generation& gen, const HostMapping& mapping) {
  return local_part(gen, mapping).images.size() != gen.images.size();
}

// The coordinator address given to processes on other hosts: the one we use, unless it
// only means something here (loopback, wildcard): then our address toward the first of them.
Result<CoordAddress> address_for_remote(const CoordAddress& ours, const HostMapping& mapping) {
  CoordAddress remote = ours;
  if (is_loopback_or_wildcard(ours.host)) {
    std::string peer;
    for (const std::string& saved : mapping.saved_hosts) {
      if (peer.empty() && !is_this_host(mapping.target_of(saved))) {
        peer = mapping.target_of(saved);
      }
    }
    CKPT_TRY_ASSIGN(remote.host, routable_address_toward(peer));
  }
  CKPT_TRY_ASSIGN(remote.host, host_for_libckpt(remote.host));
  return remote;
}

int restore_everywhere(const RestartOptions& opts, const Generation& gen,
                       const HostMapping& mapping, const CoordinatorFound& found,
                       const std::string& ckpt_dir) {
  const CoordAddress& coord = found.addr;
  bool remote = any_remote(gen, mapping);
  Result<CoordAddress> remote_coord =
      remote ? address_for_remote(coord, mapping) : Result<CoordAddress>(coord);
  if (!remote_coord.is_ok()) {
    return fail(kCmd, remote_coord.status());
  }
  std::string agent = resolve_rsh_agent(opts.rsh_agent);
  HostRestart how{&mapping, RestoreCommand{restore_loader_path(), opts.lazy}, coord,
                  remote_coord.value(), ckpt_dir, agent};
  Result<std::vector<RestoredProcess>> children =
      remote ? spawn_on_hosts(gen, how)
             : spawn_restored(gen, how.cmd, coord, ckpt_dir);  // every process stays here
  if (!children.is_ok()) {
    return fail(kCmd, children.status());
  }
  if (remote) {
    Status started = watch_restart(children.value(), WatchConfig{coord, -1, agent});
    if (!started.is_ok()) {
      abandon_restart(children.value(), coord, found.started);
      return fail(kCmd, started);
    }
  }
  if (opts.detach) {
    return 0;
  }
  int rc = wait_restored(children.value());
  if (rc != 0 && found.started && gen.images.size() == 1) {
    // E.g. the loader refused a region checksum before the process joined: a coordinator
    // that no member ever joined would not leave by itself (--exit-on-last).
    abandon_restart(children.value(), coord, true);
  }
  return rc;
}

}  // namespace

void add_restart_options(CLI::App* app, RestartOptions& opts, Spelling spelling) {
  add_coord_flags(app, opts.coord, spelling);
  app->add_flag("--new-coordinator", opts.new_coordinator,
                "always start a new coordinator (port 0 + --port-file picks a free port)");
  app->add_flag("-j,--join-coordinator", opts.join_coordinator,
                "use the running coordinator; fail if none answers");
  app->add_option("--ckptdir", opts.ckpt_dir,
                  "where new generations go (default: the parent of the job directory)");
  app->add_flag("--detach", opts.detach, "return at once instead of waiting for the processes");
  app->add_option("--barrier-timeout", opts.barrier_timeout,
                  "seconds a barrier may take (new coordinator only)");
  app->add_flag("--lazy", opts.lazy,
                "map saved pages from the images on first touch instead of reading them "
                "(faster restart of large processes; the images must stay in place). Page "
                "checksums are not read up front (headers and tables still are): run "
                "'ckpt verify' first if the images may be damaged");
  app->add_flag("--no-hugepages", opts.no_hugepages,
                "read saved memory into 4 KiB pages only; by default an eager restart asks "
                "for 2 MiB transparent huge pages where whole 2 MiB blocks are saved and the "
                "system's THP mode is 'madvise' (same as CKPT_RESTORE_HUGEPAGES=0)");
  app->add_flag("--restore-files", opts.restore_files,
                "re-create files that are gone or changed since the checkpoint from the "
                "contents saved in the image (see `ckpt launch --save-files`), and cut files "
                "open for writing that grew back to their checkpoint size; without it such "
                "files stop the restart with a message naming them");
  app->add_flag("--force", opts.force,
                "restart even though the original processes still run on this host");
  app->add_flag("--dry-run", opts.dry_run,
                "verify and print the chosen generation and its images, then exit (no restart)");
  app->add_option("--hosts", opts.hosts,
                  "restart on these hosts: the generation's hosts, in order of first appearance, "
                  "map to them in order (h3,h4)");
  app->add_option("--hostfile", opts.hostfile,
                  "like --hosts, one host per line (the first word; '# ...' comments)");
  app->add_option("--host-map", opts.host_map,
                  "restart the processes of a saved host on another one: h1=h3,h2=h4");
  app->add_option("--rsh-agent", opts.rsh_agent,
                  "command that runs a command on another host, like ssh (default: "
                  "CKPT_RSH_AGENT, else ssh)");
  app->add_option("--coord-bind", opts.coord_bind,
                  "start a new coordinator on this host listening on ADDR (given to the "
                  "processes on other hosts)");
  add_part_options(app, opts.part);
  app->add_option("PATH", opts.paths, "a job directory, a generation directory, or image files")
      ->required();
  app->footer(
      "A job directory restarts its newest generation that verifies (`latest` first); skipped\n"
      "generations are reported with the reason. Exits with the restored program's status.\n"
      "Examples:\n"
      "  ckpt restart $SCRATCH/ckpt/12345\n"
      "  ckpt restart --dry-run $SCRATCH/ckpt/12345/gen-000007\n"
      "  ckpt restart --hosts n3,n4 --coord-bind 10.0.0.3 $SCRATCH/ckpt/12345\n"
      "  srun -N 2 --ntasks-per-node=1 ckpt restart --slurm --port-file F GEN   (one part per "
      "node)");
}

int run_restart(RestartOptions& opts) {
  Result<Chosen> chosen = choose_and_verify(opts);
  if (!chosen.is_ok()) {
    return fail(kCmd, chosen.status());
  }
  const Generation& gen = chosen.value().gen;
  std::string ckpt_dir =
      opts.ckpt_dir.empty() ? chosen.value().default_ckpt_dir : resolve_ckpt_dir(opts.ckpt_dir);
  std::fprintf(stderr, "ckpt restart: %s\n",
               msg::restart_banner(gen.number, gen.job_id, gen.images.size(),
                                   chosen.value().source).c_str());
  Result<PartChoice> part = select_part(chosen.value().gen, opts.part);  // may drop images
  if (!part.is_ok()) {
    return fail(kCmd, part.status());
  }
  if (!part.value().whole) {
    std::fprintf(stderr, "ckpt restart: %s\n", part.value().description.c_str());
  }
  Result<HostMapping> mapping = map_hosts(gen, host_flags(opts));
  if (!mapping.is_ok()) {
    return fail(kCmd, mapping.status());
  }
  if (!part.value().whole ||
      (!host_flags(opts).given() && mapping.value().saved_hosts.size() == 1)) {
    map_all_here(mapping.value());  // a part, or a one-host job moved to this host
  }
  if (opts.dry_run) {
    return print_dry_run(chosen.value(), ckpt_dir, mapping.value());
  }
  if (gen.images.empty()) {
    return 0;  // --slurm on a node beyond the generation's hosts
  }
  if (Status running = check_not_running(local_part(gen, mapping.value()));
      !opts.force && !running.is_ok()) {
    return fail(kCmd, running);
  }
  std::string loader = restore_loader_path();
  if (access(loader.c_str(), X_OK) != 0) {
    return fail(kCmd, Status(Code::kNotFound, msg::loader_missing(loader)));
  }
  Result<CoordinatorFound> coord = ensure_coordinator(coordinator_need(opts, ckpt_dir, gen));
  if (!coord.is_ok()) {
    return fail(kCmd, coord.status());
  }
  if (opts.restore_files) {
    setenv("CKPT_RESTORE_FILES", "1", 1);  // read by the loader (restore_args.h)
  }
  if (opts.no_hugepages) {
    setenv("CKPT_RESTORE_HUGEPAGES", "0", 1);  // read by the loader (loader_thp.cc)
  }
  return restore_everywhere(opts, gen, mapping.value(), coord.value(), ckpt_dir);
}

}  // namespace ckpt::launcher
