// libckpt/image/image_reader.h: host-side reader and verifier of process images (format v1,
// see image_format.h). Used by the launcher (inspect, verify, restart) and the coordinator.
// Not for the checkpoint path or the restart loader: it allocates and uses Status/Result.
// Large images are read with bounded preads (never loaded whole).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ckpt/status.h"
#include "libckpt/image/image_format.h"

namespace ckpt::image {

struct RegionInfo {
  RegionEntry entry;
  std::string path;  // "" for anonymous regions, "[heap]", "/usr/lib/x86_64-linux-gnu/libc.so.6"
};

struct SectionInfo {
  SectionEntry entry;
  std::string name;  // entry.name as a string (NUL-terminated within 32 bytes)
};

struct ImageInfo {
  std::string file;         // the path the image was read from
  std::string job_dir;      // <job> of <job>/gen-N/<image>: where referenced images live
  uint64_t actual_size = 0; // size of the file on disk
  bool verified = false;    // every checksum and the size were checked
  ImageHeader header;
  std::vector<RegionInfo> regions;
  std::vector<ThreadEntry> threads;
  std::vector<SectionInfo> sections;
  std::vector<RefRun> refs;          // incremental images: pages kept in earlier images
  std::vector<std::string> sources;  // those images, relative to job_dir
};

// Reads the header and tables of the image at `path`. Structural checks (magic, version,
// arch, size, offsets inside the file) always run; verify_data=true also checks every CRC:
// header, each table, strings, every region's pages (or compressed chunks) and run table,
// every section body, and for incremental images the referenced pages in earlier images.
// Errors are one line: "<path>: <problem>".
Result<ImageInfo> read_image(const std::string& path, bool verify_data);

// The image as a JSON object (for `ckpt inspect --json`).
std::string image_to_json(const ImageInfo& info);

// "rwxp" / "r--s" style protection string of a region.
std::string region_prot_string(const RegionEntry& region);
// Region flags as names: "file,heap".
std::vector<std::string> region_flag_names(uint32_t flags);
// One-line label of a region for messages: "0x7f00-0x7f10 [heap]".
std::string region_label(const RegionInfo& region);
// A fixed-size char array from a header as a string (stops at the first NUL).
std::string fixed_string(const char* data, size_t max_len);

}  // namespace ckpt::image
