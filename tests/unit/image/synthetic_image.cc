// tests/unit/image/synthetic_image.cc: see synthetic_image.h.
#include "synthetic_image.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "libckpt/image/crc32c.h"

namespace ckpt::testing {

using image::ImageHeader;
using image::kPageSize;

namespace {

void put_string(char* dst, size_t cap, const std::string& s) {
  std::memset(dst, 0, cap);
  std::memcpy(dst, s.data(), std::min(cap - 1, s.size()));
}

void append(std::vector<uint8_t>& out, const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}

void pad_to_page(std::vector<uint8_t>& out) {
  out.resize((out.size() + kPageSize - 1) / kPageSize * kPageSize, 0);
}

// The CompressedChunk stream of `data` with every chunk stored raw (allowed by the format:
// stored_len == raw_len), in chunks of kCompressChunkBytes.
std::vector<uint8_t> as_raw_chunks(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out;
  for (size_t off = 0; off < data.size(); off += image::kCompressChunkBytes) {
    size_t n = std::min<size_t>(image::kCompressChunkBytes, data.size() - off);
    image::CompressedChunk c{static_cast<uint32_t>(n), static_cast<uint32_t>(n)};
    append(out, &c, sizeof c);
    append(out, data.data() + off, n);
  }
  return out;
}

// Region data (pages then runs) for every region; fills entries' data fields.
std::vector<image::RegionEntry> write_regions(const SyntheticImage& spec, std::vector<uint8_t>& out,
                                              std::string& strings, uint64_t* saved_pages) {
  std::vector<image::RegionEntry> entries;
  for (const SyntheticRegion& r : spec.regions) {
    image::RegionEntry e{};
    e.start = r.start;
    e.end = r.start + r.npages * kPageSize;
    e.prot = r.prot;
    e.flags = r.flags;
    if (!r.path.empty()) {
      e.path_offset = static_cast<uint32_t>(strings.size());
      e.path_len = static_cast<uint32_t>(r.path.size());
      strings += r.path;
      strings += '\0';
    }
    pad_to_page(out);
    e.data_offset = out.size();
    std::vector<uint8_t> data;
    for (const image::PageRun& run : r.runs) {
      for (uint64_t p = 0; p < run.npages; ++p) {
        std::vector<uint8_t> page(kPageSize, static_cast<uint8_t>(run.first_page + p + 1));
        std::memcpy(page.data(), &e.start, sizeof e.start);
        append(data, page.data(), page.size());
        ++e.data_pages;
      }
    }
    if (r.compressed) {
      data = as_raw_chunks(data);
      e.flags |= image::kRegionCompressed;
    }
    uint32_t crc = image::crc32c(data.data(), data.size());
    append(out, data.data(), data.size());
    e.runs_offset = out.size();
    e.run_count = r.runs.size();
    append(out, r.runs.data(), r.runs.size() * sizeof(image::PageRun));
    e.data_crc = image::crc32c(r.runs.data(), r.runs.size() * sizeof(image::PageRun), crc);
    *saved_pages += e.data_pages;
    entries.push_back(e);
  }
  return entries;
}

std::vector<image::ThreadEntry> make_threads(const SyntheticImage& spec) {
  std::vector<image::ThreadEntry> threads;
  for (size_t i = 0; i < spec.thread_names.size(); ++i) {
    image::ThreadEntry t{};
    t.tid = spec.pid + static_cast<int32_t>(i);
    t.is_ckpt_thread = i + 1 == spec.thread_names.size() ? 1 : 0;
    t.fs_base = 0x7f0000001000ull + i * 0x10000;
    t.rip = 0x401000 + i;
    t.rsp = 0x7ffd00000000ull - i * 0x1000;
    t.sigmask = 0x4000;
    put_string(t.name, sizeof t.name, spec.thread_names[i]);
    threads.push_back(t);
  }
  return threads;
}

template <typename T>
uint64_t append_table(std::vector<uint8_t>& out, const std::vector<T>& table, uint32_t* crc) {
  uint64_t offset = out.size();
  append(out, table.data(), table.size() * sizeof(T));
  *crc = image::crc32c(table.data(), table.size() * sizeof(T));
  return offset;
}

void fill_identity(const SyntheticImage& spec, ImageHeader& h) {
  std::memcpy(h.magic, image::kMagic, sizeof h.magic);
  h.format_version = image::kFormatVersion;
  h.arch = image::kArchX86_64;
  h.header_size = sizeof(ImageHeader);
  h.generation = spec.generation;
  h.time_ns = 1700000000000000000ull;
  h.pid = spec.pid;
  h.ppid = 1;
  h.vpid = spec.vpid;
  h.parent_vpid = spec.parent_vpid;
  h.nprocs = spec.nprocs;
  h.nthreads = static_cast<uint32_t>(spec.thread_names.size());
  h.mpi_rank = -1;
  put_string(h.host, sizeof h.host, spec.host);
  put_string(h.program, sizeof h.program, spec.program);
  put_string(h.job_id, sizeof h.job_id, spec.job_id);
  put_string(h.kernel_release, sizeof h.kernel_release, "6.18.0");
  put_string(h.glibc_version, sizeof h.glibc_version, "2.36");
  put_string(h.cmdline, sizeof h.cmdline, spec.program + " --flag");
  put_string(h.coord_addr, sizeof h.coord_addr, "localhost:7779");
}

Status write_all(const std::string& path, const std::vector<uint8_t>& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::from_errno(Code::kIo, "create " + path);
  }
  ssize_t n = ::write(fd, bytes.data(), bytes.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(bytes.size())) {
    return Status(Code::kIo, "short write " + path);
  }
  return Status::ok();
}

}  // namespace

SyntheticImage typical_image(int32_t vpid, uint64_t generation, uint32_t nprocs) {
  SyntheticImage s;
  s.vpid = vpid;
  s.pid = 1000 + vpid * 10;
  s.generation = generation;
  s.nprocs = nprocs;
  s.regions = {
      {0x400000, 4, 5, image::kRegionFile, "/usr/bin/app", {{0, 2}}},
      {0x600000, 8, 3, image::kRegionHeap, "[heap]", {{0, 3}, {5, 2}}},
      {0x7f0000000000, 16, 3, 0, "", {{4, 1}}},
      {0x7ffd00000000 - 4 * kPageSize, 4, 3, image::kRegionStack, "[stack]", {{2, 2}}},
      {0x7fff00000000, 2, 5, image::kRegionVdso, "[vdso]", {}},
  };
  s.sections = {{"core.process", 1, "cwd=/tmp;umask=022"}};
  return s;
}

Result<uint32_t> write_synthetic_image(const std::string& path, const SyntheticImage& spec) {
  ImageHeader h{};
  fill_identity(spec, h);
  std::vector<uint8_t> out(image::kHeaderBytes, 0);
  std::string strings;
  std::vector<image::RegionEntry> regions = write_regions(spec, out, strings, &h.saved_pages);
  std::vector<image::SectionEntry> sections;
  for (const SyntheticSection& s : spec.sections) {
    image::SectionEntry e{};
    put_string(e.name, sizeof e.name, s.name);
    e.version = s.version;
    e.offset = out.size();
    e.size = s.body.size();
    e.crc = image::crc32c(s.body.data(), s.body.size());
    append(out, s.body.data(), s.body.size());
    sections.push_back(e);
  }
  h.region_count = static_cast<uint32_t>(regions.size());
  h.region_table_offset = append_table(out, regions, &h.region_table_crc);
  std::vector<image::ThreadEntry> threads = make_threads(spec);
  h.thread_count = static_cast<uint32_t>(threads.size());
  h.thread_table_offset = append_table(out, threads, &h.thread_table_crc);
  h.section_count = static_cast<uint32_t>(sections.size());
  h.section_table_offset = append_table(out, sections, &h.section_table_crc);
  h.ref_count = static_cast<uint32_t>(spec.refs.size());
  h.ref_table_offset = append_table(out, spec.refs, &h.ref_table_crc);
  for (const image::RefRun& r : spec.refs) {
    h.referenced_pages += r.npages;
  }
  h.source_count = static_cast<uint32_t>(spec.sources.size());
  h.sources_offset = static_cast<uint32_t>(strings.size());
  for (const std::string& source : spec.sources) {
    strings += source;
    strings += '\0';
  }
  h.strings_offset = out.size();
  h.strings_size = strings.size();
  h.strings_crc = image::crc32c(strings.data(), strings.size());
  append(out, strings.data(), strings.size());
  h.file_size = out.size();
  h.header_crc = 0;
  h.header_crc = image::crc32c(&h, sizeof h);
  std::memcpy(out.data(), &h, sizeof h);
  CKPT_TRY(write_all(path, out));
  return h.header_crc;
}

Status flip_byte(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return Status::from_errno(Code::kIo, "open " + path);
  }
  uint8_t b = 0;
  bool ok = ::pread(fd, &b, 1, static_cast<off_t>(offset)) == 1;
  b ^= 0x5a;
  ok = ok && ::pwrite(fd, &b, 1, static_cast<off_t>(offset)) == 1;
  ::close(fd);
  return ok ? Status::ok() : Status(Code::kIo, "flip byte in " + path);
}

Status truncate_file(const std::string& path, uint64_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
    return Status::from_errno(Code::kIo, "truncate " + path);
  }
  return Status::ok();
}

Result<ImageHeader> read_header_raw(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::from_errno(Code::kIo, "open " + path);
  }
  ImageHeader h{};
  bool ok = ::pread(fd, &h, sizeof h, 0) == static_cast<ssize_t>(sizeof h);
  ::close(fd);
  if (!ok) {
    return Status(Code::kIo, "read header " + path);
  }
  return h;
}

Status patch_header(const std::string& path, uint32_t format_version, uint32_t arch) {
  CKPT_TRY_ASSIGN(ImageHeader h, read_header_raw(path));
  h.format_version = format_version;
  h.arch = arch;
  h.header_crc = 0;
  h.header_crc = image::crc32c(&h, sizeof h);
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::from_errno(Code::kIo, "open " + path);
  }
  bool ok = ::pwrite(fd, &h, sizeof h, 0) == static_cast<ssize_t>(sizeof h);
  ::close(fd);
  return ok ? Status::ok() : Status(Code::kIo, "patch header " + path);
}

Result<uint64_t> region_data_offset(const std::string& path, size_t index) {
  CKPT_TRY_ASSIGN(ImageHeader h, read_header_raw(path));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::from_errno(Code::kIo, "open " + path);
  }
  image::RegionEntry e{};
  off_t at = static_cast<off_t>(h.region_table_offset + index * sizeof e);
  bool ok = ::pread(fd, &e, sizeof e, at) == static_cast<ssize_t>(sizeof e);
  ::close(fd);
  if (!ok) {
    return Status(Code::kIo, "read region table " + path);
  }
  return e.data_offset;
}

Result<uint32_t> file_crc(const std::string& path, uint64_t offset, uint64_t len) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::from_errno(Code::kIo, "open " + path);
  }
  std::vector<uint8_t> buf(len);
  bool ok = ::pread(fd, buf.data(), len, static_cast<off_t>(offset)) == static_cast<ssize_t>(len);
  ::close(fd);
  if (!ok) {
    return Status(Code::kIo, "read " + path);
  }
  return image::crc32c(buf.data(), buf.size());
}

}  // namespace ckpt::testing
