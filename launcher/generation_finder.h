// launcher/generation_finder.h: what a PATH given to restart/verify/inspect designates (an
// image, a generation directory or a job directory), which images a generation holds
// (index.h5 when present, else *.ckpt), and the choice of the newest generation that verifies.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ckpt/status.h"
#include "libckpt/image/image_reader.h"

namespace ckpt::launcher {

enum class PathKind { kImage, kGenerationDir, kJobDir, kMissing, kOther };
PathKind classify_path(const std::string& path);

// One image of a generation as listed by index.h5 (or found by name without an index).
struct ListedImage {
  std::string path;        // dir + "/" + file name
  bool from_index = false; // size/checksum below are meaningful
  uint64_t size = 0;
  uint32_t checksum = 0;
  int32_t vpid = 0;
  // The rest of the index row (index only).
  int32_t parent_vpid = 0;
  int32_t pid = 0;
  int32_t mpi_rank = -1;
  uint32_t nthreads = 0;
  std::string host, program, plugins;
};

// Attributes of index.h5.
struct IndexAttributes {
  std::string job_id;
  uint64_t generation = 0;
  int64_t time_ns = 0;
  std::string coordinator;
  std::string version;
  std::vector<std::pair<std::string, std::string>> topology;
};

struct GenerationListing {
  std::string dir;
  bool has_index = false;
  std::string index_error;  // why index.h5 could not be used (empty if fine or absent)
  IndexAttributes index;    // valid when has_index
  std::vector<ListedImage> images;
};

Result<GenerationListing> list_generation(const std::string& dir);

// Verifies one listed image: present, every checksum, and its size/checksum match the index.
// How much of an image restart reads before starting: every checksum (the default), or
// only its structure (--lazy: the loader still checks the header and tables; page data is
// mapped on demand and not read up front).
enum class Verify { kFull, kStructure };

Result<image::ImageInfo> verify_listed_image(const ListedImage& listed,
                                             Verify verify = Verify::kFull);
// One generation and job across `images`, no duplicate vpid, one image per process (nprocs);
// sorts `images` by vpid. `where` names the generation in messages.
Status check_consistent(const std::string& where, std::vector<image::ImageInfo>& images);

// A verified set of images that restart together.
struct Generation {
  std::string dir;          // generation directory ("" for loose image files)
  uint64_t number = 0;
  std::string job_id;
  std::vector<image::ImageInfo> images;  // sorted by vpid
};

// Lists and fully verifies a generation directory (every checksum, the index's sizes and
// checksums, one image per process of the generation).
Result<Generation> load_generation(const std::string& dir, Verify verify = Verify::kFull);
// Verifies loose image files that must form one generation.
Result<Generation> load_images(const std::vector<std::string>& files,
                               Verify verify = Verify::kFull);

// Generation directories of a job, in the order restart tries them: `latest`'s target first,
// then gen-NNNNNN (never *.partial) newest first.
std::vector<std::string> generation_candidates(const std::string& job_dir);

// The newest generation of `job_dir` that verifies; on_skip(name, why) for each one refused.
using SkipReporter = std::function<void(const std::string& name, const Status& why)>;
Result<Generation> select_generation(const std::string& job_dir, const SkipReporter& on_skip,
                                     Verify verify = Verify::kFull);

// The image of the root process: parent_vpid 0, lowest vpid.
const image::ImageInfo* root_image(const Generation& gen);

}  // namespace ckpt::launcher
