// libckpt/image/image_reader.cc: reads and verifies a process image (format v1).
// Host side only (allocates). Every error is one line "<file>: <problem>".
#include "libckpt/image/image_reader.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "libckpt/image/crc32c.h"
#include "libckpt/image/image_file.h"
#include "libckpt/image/image_refs.h"

namespace ckpt::image {

namespace {

constexpr uint64_t kMaxStringsBytes = 256u << 20;  // sanity bound on the strings blob
constexpr uint64_t kMaxTableEntries = 1u << 24;

Status corrupt(const ImageFile& file, const std::string& problem) {
  return Status(Code::kCorrupt, file.path() + ": " + problem);
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

// Identity checks that must pass before any other field can be trusted.
Status check_identity(const ImageFile& file, const ImageHeader& h) {
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
    return Status(Code::kInvalid, file.path() + ": not a ckpt image (bad magic)");
  }
  if (h.format_version > kFormatVersion) {
    return Status(Code::kUnsupported, file.path() + ": format version " +
                                          std::to_string(h.format_version) +
                                          " is newer than this ckpt (" +
                                          std::to_string(kFormatVersion) + ")");
  }
  if (h.format_version == 0) {
    return corrupt(file, "format version 0 is not valid");
  }
  if (h.arch != kArchX86_64) {
    return Status(Code::kUnsupported,
                  file.path() + ": image for arch " + std::to_string(h.arch) + ", this is x86_64");
  }
  if (h.header_size != sizeof(ImageHeader)) {
    return corrupt(file, "header size " + std::to_string(h.header_size) + ", expected " +
                             std::to_string(sizeof(ImageHeader)));
  }
  return Status::ok();
}

Status check_header_crc(const ImageFile& file, const ImageHeader& h) {
  ImageHeader copy = h;
  copy.header_crc = 0;
  if (crc32c(&copy, sizeof copy) != h.header_crc) {
    return corrupt(file, "header checksum mismatch");
  }
  return Status::ok();
}

Status check_size(const ImageFile& file, const ImageHeader& h) {
  if (file.size() < h.file_size) {
    return corrupt(file, "truncated: " + std::to_string(file.size()) + " bytes, header says " +
                             std::to_string(h.file_size));
  }
  if (file.size() > h.file_size) {
    return corrupt(file, "size " + std::to_string(file.size()) + " bytes, header says " +
                             std::to_string(h.file_size) + " (trailing data)");
  }
  return Status::ok();
}

Result<ImageHeader> read_header(const ImageFile& file, bool verify) {
  ImageHeader h{};
  if (file.size() < sizeof h) {
    if (file.size() >= sizeof kMagic) {
      CKPT_TRY(file.read_at(0, h.magic, sizeof kMagic));
      if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
        return Status(Code::kInvalid, file.path() + ": not a ckpt image (bad magic)");
      }
    }
    return corrupt(file, "truncated: " + std::to_string(file.size()) +
                             " bytes, smaller than an image header");
  }
  CKPT_TRY(file.read_at(0, &h, sizeof h));
  CKPT_TRY(check_identity(file, h));
  if (verify) {
    CKPT_TRY(check_header_crc(file, h));
  }
  CKPT_TRY(check_size(file, h));
  return h;
}

// Reads `count` entries of T at `offset` and checks their CRC when verifying.
template <typename T>
Result<std::vector<T>> read_table(const ImageFile& file, const char* what, uint64_t offset,
                                  uint64_t count, uint32_t crc, bool verify) {
  if (count > kMaxTableEntries || !file.contains(offset, count * sizeof(T))) {
    return corrupt(file, std::string(what) + " table (" + std::to_string(count) +
                             " entries at offset " + std::to_string(offset) +
                             ") lies outside the file");
  }
  std::vector<T> table(count);
  CKPT_TRY(file.read_at(offset, table.data(), count * sizeof(T)));
  if (verify && crc32c(table.data(), count * sizeof(T)) != crc) {
    return corrupt(file, std::string(what) + " table checksum mismatch");
  }
  return table;
}

Result<std::string> read_strings(const ImageFile& file, const ImageHeader& h, bool verify) {
  if (h.strings_size > kMaxStringsBytes || !file.contains(h.strings_offset, h.strings_size)) {
    return corrupt(file, "strings (" + std::to_string(h.strings_size) + " bytes at offset " +
                             std::to_string(h.strings_offset) + ") lie outside the file");
  }
  std::string blob(h.strings_size, '\0');
  CKPT_TRY(file.read_at(h.strings_offset, blob.data(), blob.size()));
  if (verify && crc32c(blob.data(), blob.size()) != h.strings_crc) {
    return corrupt(file, "strings checksum mismatch");
  }
  return blob;
}

// Bytes of page data stored in the file: the pages, or the compressed chunk stream.
uint64_t stored_bytes(const RegionEntry& e) {
  if (e.flags & kRegionCompressed) {
    return e.runs_offset >= e.data_offset ? e.runs_offset - e.data_offset : UINT64_MAX;
  }
  return e.data_pages > UINT64_MAX / kPageSize ? UINT64_MAX : e.data_pages * kPageSize;
}

// Walks the CompressedChunk stream of a region: every chunk inside [data_offset,
// runs_offset), raw sizes adding up to the saved pages.
Status check_chunks(const ImageFile& file, const std::string& label, const RegionEntry& e) {
  uint64_t off = e.data_offset;
  uint64_t raw = 0;
  while (off < e.runs_offset) {
    CompressedChunk c{};
    if (e.runs_offset - off < sizeof c) {
      return corrupt(file, label + ": truncated compressed chunk");
    }
    CKPT_TRY(file.read_at(off, &c, sizeof c));
    off += sizeof c;
    if (c.raw_len > kCompressChunkBytes || c.stored_len > e.runs_offset - off) {
      return corrupt(file, label + ": corrupt compressed chunk at offset " +
                               std::to_string(off - sizeof c));
    }
    off += c.stored_len;
    raw += c.raw_len;
  }
  if (raw != e.data_pages * kPageSize) {
    return corrupt(file, label + ": compressed chunks hold " + std::to_string(raw) +
                             " bytes, the region saved " + std::to_string(e.data_pages) + " pages");
  }
  return Status::ok();
}

// Structural checks of one region entry (no data read).
Status check_region(const ImageFile& file, size_t index, const RegionInfo& r) {
  const RegionEntry& e = r.entry;
  std::string label = "region " + std::to_string(index) + " (" + region_label(r) + ")";
  if (e.start >= e.end || e.start % kPageSize != 0 || e.end % kPageSize != 0) {
    return corrupt(file, label + ": bad address range");
  }
  uint64_t pages = (e.end - e.start) / kPageSize;
  if (e.data_pages > pages) {
    return corrupt(file, label + ": " + std::to_string(e.data_pages) + " saved pages, region has " +
                             std::to_string(pages));
  }
  if (e.data_pages > 0 && (e.data_offset % kPageSize != 0 || e.data_offset < kHeaderBytes ||
                           !file.contains(e.data_offset, stored_bytes(e)))) {
    return corrupt(file, label + ": page data lies outside the file");
  }
  if ((e.flags & kRegionCompressed) && e.runs_offset < e.data_offset) {
    return corrupt(file, label + ": compressed data ends before it starts");
  }
  if (e.run_count > pages || !file.contains(e.runs_offset, e.run_count * sizeof(PageRun))) {
    return corrupt(file, label + ": run table lies outside the file");
  }
  return Status::ok();
}

Result<std::vector<RegionInfo>> read_regions(const ImageFile& file, const ImageHeader& h,
                                             const std::string& strings, bool verify) {
  CKPT_TRY_ASSIGN(std::vector<RegionEntry> entries,
                  read_table<RegionEntry>(file, "region", h.region_table_offset, h.region_count,
                                          h.region_table_crc, verify));
  std::vector<RegionInfo> regions;
  regions.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    RegionInfo r{entries[i], {}};
    const RegionEntry& e = entries[i];
    if (e.path_len > 0) {
      if (uint64_t{e.path_offset} + e.path_len > strings.size()) {
        return corrupt(file, "region " + std::to_string(i) + ": path outside the strings blob");
      }
      r.path.assign(strings, e.path_offset, e.path_len);
    }
    CKPT_TRY(check_region(file, i, r));
    regions.push_back(std::move(r));
  }
  return regions;
}

// Checks a region's run table (sorted, inside the region, adds up to data_pages) and the CRC
// over its pages then its runs.
Status verify_region_data(const ImageFile& file, size_t index, const RegionInfo& r) {
  const RegionEntry& e = r.entry;
  std::string label = "region " + std::to_string(index) + " (" + region_label(r) + ")";
  std::vector<PageRun> runs(e.run_count);
  CKPT_TRY(file.read_at(e.runs_offset, runs.data(), runs.size() * sizeof(PageRun)));
  uint64_t region_pages = (e.end - e.start) / kPageSize;
  uint64_t next_free = 0;
  uint64_t total = 0;
  for (const PageRun& run : runs) {
    if (run.npages == 0 || run.first_page < next_free || run.npages > region_pages ||
        run.first_page > region_pages - run.npages) {
      return corrupt(file, label + ": bad page run table");
    }
    next_free = run.first_page + run.npages;
    total += run.npages;
  }
  if (total != e.data_pages) {
    return corrupt(file, label + ": page runs cover " + std::to_string(total) +
                             " pages, entry says " + std::to_string(e.data_pages));
  }
  if (e.flags & kRegionCompressed) {
    CKPT_TRY(check_chunks(file, label, e));
  }
  CKPT_TRY_ASSIGN(uint32_t crc, file.crc_range(e.data_offset, stored_bytes(e)));
  crc = crc32c(runs.data(), runs.size() * sizeof(PageRun), crc);
  if (crc != e.data_crc) {
    return corrupt(file, label + " checksum mismatch");
  }
  return Status::ok();
}

Result<std::vector<SectionInfo>> read_sections(const ImageFile& file, const ImageHeader& h,
                                               bool verify) {
  CKPT_TRY_ASSIGN(std::vector<SectionEntry> entries,
                  read_table<SectionEntry>(file, "section", h.section_table_offset,
                                           h.section_count, h.section_table_crc, verify));
  std::vector<SectionInfo> sections;
  for (const SectionEntry& e : entries) {
    SectionInfo s{e, fixed_string(e.name, sizeof e.name)};
    if (!file.contains(e.offset, e.size)) {
      return corrupt(file, "section " + s.name + " lies outside the file");
    }
    if (verify) {
      CKPT_TRY_ASSIGN(uint32_t crc, file.crc_range(e.offset, e.size));
      if (crc != e.crc) {
        return corrupt(file, "section " + s.name + " checksum mismatch");
      }
    }
    sections.push_back(std::move(s));
  }
  return sections;
}

Status verify_all_regions(const ImageFile& file, const ImageInfo& info) {
  uint64_t saved = 0;
  for (size_t i = 0; i < info.regions.size(); ++i) {
    CKPT_TRY(verify_region_data(file, i, info.regions[i]));
    saved += info.regions[i].entry.data_pages;
  }
  if (saved != info.header.saved_pages) {
    return corrupt(file, "regions hold " + std::to_string(saved) + " saved pages, header says " +
                             std::to_string(info.header.saved_pages));
  }
  return Status::ok();
}

}  // namespace

std::string fixed_string(const char* data, size_t max_len) {
  size_t n = 0;
  while (n < max_len && data[n] != '\0') {
    ++n;
  }
  return std::string(data, n);
}

std::string region_label(const RegionInfo& region) {
  std::string label = hex(region.entry.start) + "-" + hex(region.entry.end);
  if (!region.path.empty()) {
    label += " " + region.path;
  }
  return label;
}

Result<ImageInfo> read_image(const std::string& path, bool verify_data) {
  CKPT_TRY_ASSIGN(ImageFile file, ImageFile::open(path));
  ImageInfo info;
  info.file = path;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec).lexically_normal();
  info.job_dir = abs.parent_path().parent_path().string();
  info.actual_size = file.size();
  CKPT_TRY_ASSIGN(info.header, read_header(file, verify_data));
  const ImageHeader& h = info.header;
  CKPT_TRY_ASSIGN(std::string strings, read_strings(file, h, verify_data));
  CKPT_TRY_ASSIGN(info.regions, read_regions(file, h, strings, verify_data));
  CKPT_TRY_ASSIGN(info.threads, read_table<ThreadEntry>(file, "thread", h.thread_table_offset,
                                                        h.thread_count, h.thread_table_crc,
                                                        verify_data));
  CKPT_TRY_ASSIGN(info.sections, read_sections(file, h, verify_data));
  CKPT_TRY(read_references(file, strings, verify_data, &info));
  if (verify_data) {
    CKPT_TRY(verify_all_regions(file, info));
    CKPT_TRY(verify_references(file, info));
    info.verified = true;
  }
  return info;
}

}  // namespace ckpt::image
