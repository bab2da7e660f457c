// launcher/verify_command.cc: `ckpt verify PATH...`: checks every checksum of images,
// generation directories and job directories (all their generations); one line per file,
// `OK <file>` on stdout or the error on stderr (or, with --json, one JSON document on
// stdout); exit 0 only if everything passed.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "libckpt/image/json_writer.h"
#include "launcher/commands.h"
#include "launcher/generation_finder.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

// One line per check, or one entry of the --json document.
struct Outcome {
  std::string path;
  std::string error;  // empty: passed
};
std::vector<Outcome> g_outcomes;
bool g_json = false;

void report(const Status& s, const std::string& path = "") {
  g_outcomes.push_back(Outcome{path, s.message()});
  if (!g_json) std::fprintf(stderr, "ckpt verify: %s\n", s.message().c_str());
}

void passed(const std::string& path) {
  g_outcomes.push_back(Outcome{path, ""});
  if (!g_json) std::printf("OK %s\n", path.c_str());
}

void print_json(bool ok) {
  JsonWriter w;
  w.begin_object().field("ok", ok).key("checks").begin_array();
  for (const Outcome& o : g_outcomes) {
    w.begin_object().field("path", o.path).field("ok", o.error.empty());
    if (!o.error.empty()) w.field("error", o.error);
    w.end_object();
  }
  w.end_array().end_object();
  std::printf("%s\n", w.str().c_str());
}

bool verify_image(const std::string& path) {
  Result<image::ImageInfo> info = image::read_image(path, true);
  if (!info.is_ok()) {
    report(info.status(), path);
    return false;
  }
  passed(path);
  return true;
}

bool verify_generation(const std::string& dir) {
  Result<GenerationListing> listing = list_generation(dir);
  if (!listing.is_ok()) {
    report(listing.status(), dir);
    return false;
  }
  bool ok = true;
  std::vector<image::ImageInfo> images;
  for (const ListedImage& listed : listing.value().images) {
    Result<image::ImageInfo> info = verify_listed_image(listed);
    if (info.is_ok()) {
      passed(listed.path);
      images.push_back(info.take());
    } else {
      report(info.status(), listed.path);
      ok = false;
    }
  }
  if (ok) {
    Status consistent = check_consistent(dir, images);
    if (!consistent.is_ok()) {
      report(consistent, dir);
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
    case PathKind::kMissing:
      report(Status(Code::kNotFound, msg::no_such_path(path)), path);
      return false;
    case PathKind::kOther:
      report(Status(Code::kInvalid, msg::not_a_checkpoint(path)), path);
      return false;
  }
  return false;
}

}  // namespace

void add_verify_options(CLI::App* app, VerifyOptions& opts) {
  app->add_option("PATH", opts.paths, "image files, generation directories or job directories")
      ->required();
  app->add_flag("--json", opts.json,
                "print one JSON document: {\"ok\": bool, \"checks\": [{\"path\", \"ok\", "
                "\"error\"}]} (the exit status is the same)");
  app->footer(
      "Checks the header, every table, every region's pages and every section against their\n"
      "CRC32C, the file size, and index.h5's size and checksum of each image.\n"
      "Example:\n  ckpt verify $SCRATCH/ckpt/12345/gen-000007");
}

int run_verify(VerifyOptions& opts) {
  g_json = opts.json;
  bool ok = true;
  for (const std::string& path : opts.paths) {
    ok = verify_path(path) && ok;
  }
  if (g_json) print_json(ok);
  return ok ? 0 : 1;
}

}  // namespace ckpt::launcher
