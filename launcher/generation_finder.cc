// launcher/generation_finder.cc: see generation_finder.h.
#include "launcher/generation_finder.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "launcher/messages.h"
#include "launcher/plugin_check.h"
#if CKPT_HAVE_COORDINATOR
#include "coordinator/generation_index.h"
#endif

namespace ckpt::launcher {

namespace fs = std::filesystem;

namespace {

bool is_generation_name(const std::string& name) {
  if (name.size() <= 4 || name.compare(0, 4, "gen-") != 0) {
    return false;
  }
  return std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool has_suffix(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') {
    p.pop_back();
  }
  return fs::path(p).filename().string();
}

// index.h5 into listing->images and listing->index.
Status read_index(const std::string& dir, GenerationListing* listing) {
#if CKPT_HAVE_COORDINATOR
  CKPT_TRY_ASSIGN(auto info, coord::read_generation_index(join(dir, "index.h5")));
  listing->index = IndexAttributes{info.job_id, info.generation, info.time_ns, info.coordinator,
                                   info.version, info.topology};
  for (const auto& row : info.rows) {
    ListedImage img{join(dir, row.image), true, row.size, row.checksum, row.vpid};
    img.parent_vpid = row.parent_vpid;
    img.pid = row.pid;
    img.mpi_rank = row.mpi_rank;
    img.nthreads = row.nthreads;
    img.host = row.host;
    img.program = row.program;
    img.plugins = row.plugins;
    listing->images.push_back(std::move(img));
  }
  listing->has_index = true;
  return Status::ok();
#else
  (void)listing;
  return Status(Code::kUnsupported, join(dir, "index.h5") + ": index support not built");
#endif
}

std::vector<ListedImage> scan_images(const std::string& dir) {
  std::vector<ListedImage> images;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (has_suffix(name, ".ckpt") && entry.is_regular_file(ec)) {
      images.push_back(ListedImage{join(dir, name)});
    }
  }
  std::sort(images.begin(), images.end(),
            [](const ListedImage& a, const ListedImage& b) { return a.path < b.path; });
  return images;
}

// Checks an image against its index row.
Status check_against_index(const ListedImage& listed, const image::ImageInfo& info) {
  if (!listed.from_index) {
    return Status::ok();
  }
  if (listed.size != info.actual_size || listed.checksum != info.header.header_crc) {
    return Status(Code::kCorrupt, msg::index_mismatch(listed.path, listed.size, listed.checksum,
                                                      info.actual_size, info.header.header_crc));
  }
  return Status::ok();
}

}  // namespace

Status check_consistent(const std::string& where, std::vector<image::ImageInfo>& images) {
  if (images.empty()) {
    return Status(Code::kNotFound, msg::no_images(where));
  }
  std::sort(images.begin(), images.end(), [](const auto& a, const auto& b) {
    return a.header.vpid < b.header.vpid;
  });
  const image::ImageHeader& first = images.front().header;
  std::set<int32_t> vpids;
  for (const image::ImageInfo& img : images) {
    if (img.header.generation != first.generation ||
        image::fixed_string(img.header.job_id, sizeof img.header.job_id) !=
            image::fixed_string(first.job_id, sizeof first.job_id)) {
      return Status(Code::kInvalid, msg::mixed_generations(where, images.front().file, img.file));
    }
    if (!vpids.insert(img.header.vpid).second) {
      return Status(Code::kInvalid, msg::duplicate_vpid(where, img.header.vpid));
    }
  }
  // A process that joined the round late (a child forked just before it) was told the
  // larger count: the generation has as many processes as the largest count says.
  uint32_t nprocs = 0;
  for (const image::ImageInfo& img : images) {
    nprocs = std::max(nprocs, img.header.nprocs);
  }
  if (nprocs != 0 && nprocs != images.size()) {
    return Status(Code::kNotFound, msg::process_count(where, images.size(), nprocs));
  }
  return Status::ok();
}

namespace {

Generation make_generation(const std::string& dir, std::vector<image::ImageInfo> images) {
  Generation gen;
  gen.dir = dir;
  gen.number = images.front().header.generation;
  gen.job_id = image::fixed_string(images.front().header.job_id,
                                   sizeof images.front().header.job_id);
  gen.images = std::move(images);
  return gen;
}

}  // namespace

PathKind classify_path(const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return PathKind::kMissing;
  }
  if (fs::is_regular_file(st)) {
    return PathKind::kImage;
  }
  if (!fs::is_directory(st)) {
    return PathKind::kOther;
  }
  if (fs::exists(join(path, "index.h5"), ec) || !scan_images(path).empty()) {
    return PathKind::kGenerationDir;
  }
  if (fs::is_symlink(join(path, "latest"), ec) || !generation_candidates(path).empty()) {
    return PathKind::kJobDir;
  }
  return PathKind::kOther;
}

Result<GenerationListing> list_generation(const std::string& dir) {
  GenerationListing listing;
  listing.dir = dir;
  std::error_code ec;
  if (fs::exists(join(dir, "index.h5"), ec)) {
    Status index = read_index(dir, &listing);
    if (index.is_ok()) {
      return listing;
    }
    if (index.code() != Code::kUnsupported) {
      return index;
    }
    listing.index_error = index.message();
  }
  listing.images = scan_images(dir);
  return listing;
}

Result<Generation> load_generation(const std::string& dir, Verify verify) {
  CKPT_TRY_ASSIGN(GenerationListing listing, list_generation(dir));
  std::vector<image::ImageInfo> images;
  for (const ListedImage& listed : listing.images) {
    CKPT_TRY_ASSIGN(image::ImageInfo info, verify_listed_image(listed, verify));
    images.push_back(std::move(info));
  }
  CKPT_TRY(check_consistent(dir, images));
  return make_generation(dir, std::move(images));
}

Result<image::ImageInfo> verify_listed_image(const ListedImage& listed, Verify verify) {
  if (classify_path(listed.path) == PathKind::kMissing) {
    return Status(Code::kNotFound, msg::listed_image_missing(listed.path));
  }
  CKPT_TRY_ASSIGN(image::ImageInfo info, image::read_image(listed.path, verify == Verify::kFull));
  CKPT_TRY(check_against_index(listed, info));
  CKPT_TRY(check_plugins_available(info));
  return info;
}

Result<Generation> load_images(const std::vector<std::string>& files, Verify verify) {
  std::vector<image::ImageInfo> images;
  for (const std::string& file : files) {
    CKPT_TRY_ASSIGN(image::ImageInfo info, image::read_image(file, verify == Verify::kFull));
    CKPT_TRY(check_plugins_available(info));
    images.push_back(std::move(info));
  }
  CKPT_TRY(check_consistent(files.empty() ? "" : files.front(), images));
  return make_generation("", std::move(images));
}

std::vector<std::string> generation_candidates(const std::string& job_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(job_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (is_generation_name(name) && entry.is_directory(ec)) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return std::strtoull(a.c_str() + 4, nullptr, 10) > std::strtoull(b.c_str() + 4, nullptr, 10);
  });
  fs::path latest = fs::read_symlink(join(job_dir, "latest"), ec);
  std::string target = ec ? "" : base_name(latest.string());
  auto it = std::find(names.begin(), names.end(), target);
  if (it != names.end()) {
    std::rotate(names.begin(), it, it + 1);
  }
  std::vector<std::string> dirs;
  for (const std::string& name : names) {
    dirs.push_back(join(job_dir, name));
  }
  return dirs;
}

Result<Generation> select_generation(const std::string& job_dir, const SkipReporter& on_skip,
                                     Verify verify) {
  for (const std::string& dir : generation_candidates(job_dir)) {
    Result<Generation> gen = load_generation(dir, verify);
    if (gen.is_ok()) {
      return gen;
    }
    on_skip(base_name(dir), gen.status());
  }
  return Status(Code::kNotFound, msg::no_valid_generation(job_dir));
}

const image::ImageInfo* root_image(const Generation& gen) {
  const image::ImageInfo* root = nullptr;
  for (const image::ImageInfo& img : gen.images) {
    if (img.header.parent_vpid == 0 && (root == nullptr || img.header.vpid < root->header.vpid)) {
      root = &img;
    }
  }
  return root != nullptr ? root : (gen.images.empty() ? nullptr : &gen.images.front());
}

}  // namespace ckpt::launcher
