// libckpt/image/image_refs.cc: see image_refs.h.
#include "libckpt/image/image_refs.h"

#include <cstdio>

#include "libckpt/image/crc32c.h"

namespace ckpt::image {

namespace {

constexpr uint64_t kMaxRefs = 1u << 24;

Status corrupt(const ImageFile& file, const std::string& problem) {
  return Status(Code::kCorrupt, file.path() + ": " + problem);
}

std::string generation_name(uint32_t generation) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "gen-%06u", generation);
  return buf;
}

Result<std::vector<std::string>> read_sources(const ImageFile& file, const ImageHeader& h,
                                              const std::string& strings) {
  std::vector<std::string> sources;
  size_t pos = h.sources_offset;
  for (uint32_t i = 0; i < h.source_count; ++i) {
    size_t end = pos < strings.size() ? strings.find('\0', pos) : std::string::npos;
    if (end == std::string::npos) {
      return corrupt(file, "source image list lies outside the strings blob");
    }
    sources.push_back(strings.substr(pos, end - pos));
    pos = end + 1;
  }
  return sources;
}

Status check_ref(const ImageFile& file, const ImageInfo& info, size_t index) {
  const RefRun& r = info.refs[index];
  std::string label = "reference " + std::to_string(index);
  if (r.region >= info.regions.size() || r.source >= info.sources.size()) {
    return corrupt(file, label + " names region " + std::to_string(r.region) + " / source " +
                             std::to_string(r.source) + ", which do not exist");
  }
  const RegionEntry& e = info.regions[r.region].entry;
  uint64_t pages = (e.end - e.start) / kPageSize;
  if (r.npages == 0 || r.npages > pages || r.first_page > pages - r.npages) {
    return corrupt(file, label + " lies outside region " + std::to_string(r.region));
  }
  return Status::ok();
}

}  // namespace

Status read_references(const ImageFile& file, const std::string& strings, bool verify,
                       ImageInfo* info) {
  const ImageHeader& h = info->header;
  uint64_t bytes = uint64_t{h.ref_count} * sizeof(RefRun);
  if (h.ref_count > kMaxRefs || !file.contains(h.ref_table_offset, bytes)) {
    return corrupt(file, "reference table (" + std::to_string(h.ref_count) +
                             " entries) lies outside the file");
  }
  info->refs.resize(h.ref_count);
  CKPT_TRY(file.read_at(h.ref_table_offset, info->refs.data(), bytes));
  if (verify && crc32c(info->refs.data(), bytes) != h.ref_table_crc) {
    return corrupt(file, "reference table checksum mismatch");
  }
  CKPT_TRY_ASSIGN(info->sources, read_sources(file, h, strings));
  uint64_t referenced = 0;
  for (size_t i = 0; i < info->refs.size(); ++i) {
    CKPT_TRY(check_ref(file, *info, i));
    referenced += info->refs[i].npages;
  }
  if (verify && referenced != h.referenced_pages) {
    return corrupt(file, "references cover " + std::to_string(referenced) +
                             " pages, header says " + std::to_string(h.referenced_pages));
  }
  return Status::ok();
}

Status verify_references(const ImageFile& file, const ImageInfo& info) {
  std::vector<Result<ImageFile>> opened;
  for (const std::string& source : info.sources) {
    opened.push_back(ImageFile::open(info.job_dir + "/" + source));
  }
  for (const RefRun& r : info.refs) {
    const std::string& source = info.sources[r.source];
    if (!opened[r.source].is_ok()) {
      return Status(Code::kNotFound, file.path() + ": needs " +
                                         generation_name(r.source_generation) + " (" +
                                         info.job_dir + "/" + source + "), which is missing");
    }
    const ImageFile& src = opened[r.source].value();
    uint64_t len = r.npages * kPageSize;
    Result<uint32_t> crc = src.contains(r.offset, len) ? src.crc_range(r.offset, len)
                                                       : Result<uint32_t>(Status(Code::kCorrupt, ""));
    if (!crc.is_ok() || crc.value() != r.crc) {
      return corrupt(file, "pages referenced in " + generation_name(r.source_generation) + " (" +
                               source + ") changed or are truncated");
    }
  }
  return Status::ok();
}

}  // namespace ckpt::image
