// launcher/inspect_command.cc: `ckpt inspect [--json] PATH`: an image (every field, CRIU's
// crit), a generation directory (index.h5 rows + each image's header) or a job directory
// (its generations, `latest` first).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "launcher/commands.h"
#include "launcher/generation_finder.h"
#include "launcher/image_summary.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

constexpr const char* kCmd = "inspect";

int inspect_image(const std::string& path, bool json) {
  Result<image::ImageInfo> info = image::read_image(path, false);
  if (!info.is_ok()) {
    return fail(kCmd, info.status());
  }
  std::fputs(json ? image::image_to_json(info.value()).c_str()
                  : image_summary_text(info.value()).c_str(),
             stdout);
  return 0;
}

void write_index_json(JsonWriter& w, const IndexAttributes& index) {
  w.key("index").begin_object();
  w.field("job_id", index.job_id);
  w.field("generation", static_cast<unsigned long long>(index.generation));
  w.field("time_ns", static_cast<long long>(index.time_ns));
  w.field("coordinator", index.coordinator).field("ckpt_version", index.version);
  w.key("topology").begin_object();
  for (const auto& [host, summary] : index.topology) {
    w.field(host, summary);
  }
  w.end_object();
  w.end_object();
}

void write_listed_json(JsonWriter& w, const ListedImage& listed, bool* ok) {
  w.begin_object();
  w.field("file", listed.path);
  if (listed.from_index) {
    w.key("index_row").begin_object();
    w.field("vpid", listed.vpid).field("parent_vpid", listed.parent_vpid).field("pid", listed.pid);
    w.field("mpi_rank", listed.mpi_rank).field("host", listed.host).field("program", listed.program);
    w.field("size", static_cast<unsigned long long>(listed.size));
    char crc[16];
    std::snprintf(crc, sizeof crc, "0x%08x", listed.checksum);
    w.field("checksum", crc).field("nthreads", listed.nthreads).field("plugins", listed.plugins);
    w.end_object();
  }
  Result<image::ImageInfo> info = image::read_image(listed.path, false);
  if (info.is_ok()) {
    w.key("header").begin_object();
    write_image_summary_json(w, info.value());
    w.end_object();
  } else {
    w.field("error", info.status().message());
    *ok = false;
  }
  w.end_object();
}

int inspect_generation_json(const GenerationListing& listing) {
  bool ok = true;
  JsonWriter w;
  w.begin_object();
  w.field("dir", listing.dir).field("has_index", listing.has_index);
  if (listing.has_index) {
    write_index_json(w, listing.index);
  } else if (!listing.index_error.empty()) {
    w.field("index_error", listing.index_error);
  }
  w.key("images").begin_array();
  for (const ListedImage& listed : listing.images) {
    write_listed_json(w, listed, &ok);
  }
  w.end_array();
  w.end_object();
  std::printf("%s\n", w.str().c_str());
  return ok ? 0 : 1;
}

int inspect_generation_text(const GenerationListing& listing) {
  bool ok = true;
  std::printf("generation  %s\n", listing.dir.c_str());
  if (listing.has_index) {
    std::printf("index.h5    job %s, generation %llu, coordinator %s, ckpt %s\n",
                listing.index.job_id.c_str(),
                static_cast<unsigned long long>(listing.index.generation),
                listing.index.coordinator.c_str(), listing.index.version.c_str());
    for (const auto& [host, summary] : listing.index.topology) {
      std::printf("topology    %s: %s\n", host.c_str(), summary.c_str());
    }
  }
  std::printf("images      %zu\n", listing.images.size());
  for (const ListedImage& listed : listing.images) {
    Result<image::ImageInfo> info = image::read_image(listed.path, false);
    std::printf("  %s\n    %s\n", listed.path.c_str(),
                info.is_ok() ? image_summary_line(info.value()).c_str()
                             : ("ERROR " + info.status().message()).c_str());
    ok = ok && info.is_ok();
  }
  return ok ? 0 : 1;
}

int inspect_generation(const std::string& dir, bool json) {
  Result<GenerationListing> listing = list_generation(dir);
  if (!listing.is_ok()) {
    return fail(kCmd, listing.status());
  }
  return json ? inspect_generation_json(listing.value()) : inspect_generation_text(listing.value());
}

int inspect_job(const std::string& dir, bool json) {
  std::vector<std::string> gens = generation_candidates(dir);
  JsonWriter w;
  w.begin_object().field("job_dir", dir).key("generations").begin_array();
  for (const std::string& gen : gens) {
    Result<GenerationListing> listing = list_generation(gen);
    size_t count = listing.is_ok() ? listing.value().images.size() : 0;
    if (json) {
      w.begin_object().field("dir", gen).field("images", static_cast<unsigned long>(count));
      w.end_object();
    } else {
      std::printf("%s  %zu image(s)%s\n", gen.c_str(), count, gen == gens.front() ? "  (restart tries this first)" : "");
    }
  }
  w.end_array().end_object();
  if (json) {
    std::printf("%s\n", w.str().c_str());
  }
  return 0;
}

}  // namespace

void add_inspect_options(CLI::App* app, InspectOptions& opts) {
  app->add_flag("--json", opts.json, "print JSON instead of text");
  app->add_option("PATH", opts.path, "an image, a generation directory or a job directory")
      ->required();
  app->footer(
      "An image shows its header, regions (address range, protection, flags, saved pages,\n"
      "path), threads and sections; checksums are not checked (use `ckpt verify`).\n"
      "Examples:\n"
      "  ckpt inspect --json $SCRATCH/ckpt/12345/gen-000007/app.node1.3.ckpt\n"
      "  ckpt inspect $SCRATCH/ckpt/12345/gen-000007");
}

int run_inspect(InspectOptions& opts) {
  switch (classify_path(opts.path)) {
    case PathKind::kImage: return inspect_image(opts.path, opts.json);
    case PathKind::kGenerationDir: return inspect_generation(opts.path, opts.json);
    case PathKind::kJobDir: return inspect_job(opts.path, opts.json);
    case PathKind::kMissing: return fail(kCmd, Status(Code::kNotFound, msg::no_such_path(opts.path)));
    case PathKind::kOther: break;
  }
  return fail(kCmd, Status(Code::kInvalid, msg::not_a_checkpoint(opts.path)));
}

}  // namespace ckpt::launcher
