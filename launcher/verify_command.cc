// launcher/verify_command.cc: `ckpt verify PATH...`: checks every checksum of images,
// generation directories and job directories (all their generations); one line per file,
// `OK <file>` on stdout or the error on stderr; exit 0 only if everything passed.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "launcher/commands.h"
#include "launcher/generation_finder.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {


void report(const Status& s) {
  std::fprintf(stderr, "ckpt verify: %s\n", s.message().c_str());
}

bool verify_image(const std::string& path) {
  Result<image::ImageInfo> info = image::read_image(path, true);
  if (!info.is_ok()) {
    report(info.status());
    return false;
  }
  std::printf("OK %s\n", path.c_str());
  return true;
}

bool verify_generation(const std::string& dir) {
  Result<GenerationListing> listing = list_generation(dir);
  if (!listing.is_ok()) {
    report(listing.status());
    return false;
  }
  bool ok = true;
  std::vector<image::ImageInfo> images;
  for (const ListedImage& listed : listing.value().images) {
    Result<image::ImageInfo> info = verify_listed_image(listed);
    if (info.is_ok()) {
      std::printf("OK %s\n", listed.path.c_str());
      images.push_back(info.take());
    } else {
      report(info.status());
      ok = false;
    }
  }
  if (ok) {
    Status consistent = check_consistent(dir, images);
    if (!consistent.is_ok()) {
      report(consistent);
      ok = false;
    }
  }
  return ok;
}

bool verify_path(const std::string& path) {
  switch (classify_path(path)) {
    case PathKind::kImage: return verify_image(path);
    case PathKind::kGenerationDir: return verify_generation(path);
    case PathKind::kJobDir: {
      bool ok = true;
      for (const std::string& dir : generation_candidates(path)) {
        ok = verify_generation(dir) && ok;
      }
      return ok;
    }
    case PathKind::kMissing: report(Status(Code::kNotFound, msg::no_such_path(path))); return false;
    case PathKind::kOther: report(Status(Code::kInvalid, msg::not_a_checkpoint(path))); return false;
  }
  return false;
}

}  // namespace

void add_verify_options(CLI::App* app, VerifyOptions& opts) {
  app->add_option("PATH", opts.paths, "image files, generation directories or job directories")
      ->required();
  app->footer(
      "Checks the header, every table, every region's pages and every section against their\n"
      "CRC32C, the file size, and index.h5's size and checksum of each image.\n"
      "Example:\n  ckpt verify $SCRATCH/ckpt/12345/gen-000007");
}

int run_verify(VerifyOptions& opts) {
  bool ok = true;
  for (const std::string& path : opts.paths) {
    ok = verify_path(path) && ok;
  }
  return ok ? 0 : 1;
}

}  // namespace ckpt::launcher
