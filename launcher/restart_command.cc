// launcher/restart_command.cc: `ckpt restart [options] PATH...`: picks the generation to
// restore (job dir: newest that verifies; generation dir; or image files), verifies every
// checksum before touching anything, finds or starts a coordinator, runs the restart loader
// per image and exits with the root process's status.
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

int print_dry_run(const Chosen& chosen, const std::string& ckpt_dir) {
  std::printf("generation %llu\n", static_cast<unsigned long long>(chosen.gen.number));
  std::printf("job %s\n", chosen.gen.job_id.c_str());
  std::printf("dir %s\n", chosen.source.c_str());
  std::printf("ckptdir %s\n", ckpt_dir.c_str());
  for (const image::ImageInfo& img : chosen.gen.images) {
    std::printf("image %s\n", img.file.c_str());
  }
  return 0;
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
  app->add_flag("--restore-files", opts.restore_files,
                "re-create files that are gone or changed since the checkpoint from the "
                "contents saved in the image (see `ckpt launch --save-files`), and cut files "
                "open for writing that grew back to their checkpoint size; without it such "
                "files stop the restart with a message naming them");
  app->add_flag("--force", opts.force,
                "restart even though the original processes still run on this host");
  app->add_flag("--dry-run", opts.dry_run,
                "verify and print the chosen generation and its images, then exit (no restart)");
  app->add_option("PATH", opts.paths, "a job directory, a generation directory, or image files")
      ->required();
  app->footer(
      "A job directory restarts its newest generation that verifies (`latest` first); skipped\n"
      "generations are reported with the reason. Exits with the restored program's status.\n"
      "Examples:\n"
      "  ckpt restart $SCRATCH/ckpt/12345\n"
      "  ckpt restart --dry-run $SCRATCH/ckpt/12345/gen-000007");
}

int run_restart(RestartOptions& opts) {
  Result<Chosen> chosen =
      choose_generation(opts.paths, opts.lazy ? Verify::kStructure : Verify::kFull);
  if (!chosen.is_ok()) {
    return fail(kCmd, chosen.status());
  }
  const Generation& gen = chosen.value().gen;
  std::string ckpt_dir =
      opts.ckpt_dir.empty() ? chosen.value().default_ckpt_dir : resolve_ckpt_dir(opts.ckpt_dir);
  std::fprintf(stderr, "ckpt restart: %s\n",
               msg::restart_banner(gen.number, gen.job_id, gen.images.size(),
                                   chosen.value().source).c_str());
  if (opts.dry_run) {
    return print_dry_run(chosen.value(), ckpt_dir);
  }
  if (Status running = check_not_running(gen); !opts.force && !running.is_ok()) {
    return fail(kCmd, running);
  }
  std::string loader = restore_loader_path();
  if (access(loader.c_str(), X_OK) != 0) {
    return fail(kCmd, Status(Code::kNotFound, msg::loader_missing(loader)));
  }
  CoordinatorNeed need{opts.coord,   opts.new_coordinator,  opts.join_coordinator, ckpt_dir,
                       std::nullopt, opts.barrier_timeout, -1,                    gen.job_id};
  Result<CoordinatorFound> coord = ensure_coordinator(need);
  if (!coord.is_ok()) {
    return fail(kCmd, coord.status());
  }
  if (opts.restore_files) {
    setenv("CKPT_RESTORE_FILES", "1", 1);  // read by the loader (restore_args.h)
  }
  Result<std::vector<RestoredProcess>> children =
      spawn_restored(gen, RestoreCommand{loader, opts.lazy}, coord.value().addr, ckpt_dir);
  if (!children.is_ok()) {
    return fail(kCmd, children.status());
  }
  if (opts.detach) {
    return 0;
  }
  return wait_restored(children.value());
}

}  // namespace ckpt::launcher
