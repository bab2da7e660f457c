// libckpt/image/image_json.cc: an image as JSON, for `ckpt inspect --json` (CRIU's crit).
// Host side only (allocates).
#include <sys/mman.h>

#include <cinttypes>
#include <cstdio>

#include "libckpt/image/image_reader.h"
#include "libckpt/image/json_writer.h"

namespace ckpt::image {

namespace {

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}

void write_header(JsonWriter& w, const ImageHeader& h) {
  w.key("header").begin_object();
  w.field("magic", fixed_string(h.magic, sizeof h.magic));
  w.field("format_version", h.format_version).field("arch", h.arch);
  w.field("header_size", h.header_size).field("header_crc", hex32(h.header_crc));
  w.field("generation", static_cast<unsigned long long>(h.generation));
  w.field("time_ns", static_cast<unsigned long long>(h.time_ns));
  w.field("pid", h.pid).field("ppid", h.ppid).field("vpid", h.vpid);
  w.field("parent_vpid", h.parent_vpid).field("uid", h.uid);
  w.field("nprocs", h.nprocs).field("nthreads", h.nthreads).field("mpi_rank", h.mpi_rank);
  w.field("host", fixed_string(h.host, sizeof h.host));
  w.field("program", fixed_string(h.program, sizeof h.program));
  w.field("job_id", fixed_string(h.job_id, sizeof h.job_id));
  w.field("kernel_release", fixed_string(h.kernel_release, sizeof h.kernel_release));
  w.field("glibc_version", fixed_string(h.glibc_version, sizeof h.glibc_version));
  w.field("cmdline", fixed_string(h.cmdline, sizeof h.cmdline));
  w.field("coord_addr", fixed_string(h.coord_addr, sizeof h.coord_addr));
  w.field("restart_entry", hex(h.restart_entry)).field("restart_arg", hex(h.restart_arg));
  w.field("region_count", h.region_count).field("thread_count", h.thread_count);
  w.field("section_count", h.section_count);
  w.field("file_size", static_cast<unsigned long long>(h.file_size));
  w.field("saved_pages", static_cast<unsigned long long>(h.saved_pages));
  w.field("ref_count", h.ref_count);
  w.field("referenced_pages", static_cast<unsigned long long>(h.referenced_pages));
  w.field("unread_referenced_pages", static_cast<unsigned long long>(h.unread_referenced_pages));
  w.field("source_count", h.source_count);
  w.field("oldest_referenced_generation",
          static_cast<unsigned long long>(h.oldest_referenced_generation));
  w.end_object();
}

void write_region(JsonWriter& w, const RegionInfo& r) {
  const RegionEntry& e = r.entry;
  w.begin_object();
  w.field("start", hex(e.start)).field("end", hex(e.end));
  w.field("size", static_cast<unsigned long long>(e.end - e.start));
  w.field("prot", region_prot_string(e));
  w.key("flags").begin_array();
  for (const std::string& name : region_flag_names(e.flags)) {
    w.value(name);
  }
  w.end_array();
  w.field("path", r.path);
  w.field("file_offset", hex(e.file_offset));
  w.field("inode", static_cast<unsigned long long>(e.inode));
  w.field("dev", static_cast<unsigned long long>(e.dev));
  w.field("file_size", static_cast<unsigned long long>(e.file_size));
  w.field("mtime_ns", static_cast<long long>(e.mtime_ns));
  w.field("saved_pages", static_cast<unsigned long long>(e.data_pages));
  w.field("data_offset", static_cast<unsigned long long>(e.data_offset));
  uint64_t stored = e.runs_offset >= e.data_offset ? e.runs_offset - e.data_offset : 0;
  w.field("stored_bytes", static_cast<unsigned long long>(stored));
  w.field("runs", static_cast<unsigned long long>(e.run_count));
  w.field("crc", hex32(e.data_crc));
  w.end_object();
}

void write_thread(JsonWriter& w, const ThreadEntry& t) {
  w.begin_object();
  w.field("tid", t.tid).field("is_ckpt_thread", t.is_ckpt_thread != 0);
  w.field("name", fixed_string(t.name, sizeof t.name));
  w.field("fs_base", hex(t.fs_base)).field("rip", hex(t.rip)).field("rsp", hex(t.rsp));
  w.field("sigmask", hex(t.sigmask)).field("sigpending", hex(t.sigpending));
  w.field("clear_tid_addr", hex(t.clear_tid_addr));
  w.field("robust_head", hex(t.robust_head));
  w.field("robust_len", static_cast<unsigned long long>(t.robust_len));
  w.field("altstack_sp", hex(t.altstack_sp));
  w.field("altstack_size", static_cast<unsigned long long>(t.altstack_size));
  w.field("altstack_flags", t.altstack_flags);
  w.field("rseq_addr", hex(t.rseq_addr)).field("rseq_len", t.rseq_len);
  w.field("rseq_sig", hex32(t.rseq_sig));
  w.end_object();
}

void write_ref(JsonWriter& w, const RefRun& r) {
  w.begin_object();
  w.field("region", r.region).field("source", r.source);
  w.field("first_page", static_cast<unsigned long long>(r.first_page));
  w.field("npages", static_cast<unsigned long long>(r.npages));
  w.field("offset", static_cast<unsigned long long>(r.offset));
  w.field("crc", hex32(r.crc)).field("source_generation", r.source_generation);
  w.end_object();
}

void write_section(JsonWriter& w, const SectionInfo& s) {
  w.begin_object();
  w.field("name", s.name).field("version", s.entry.version);
  w.field("offset", static_cast<unsigned long long>(s.entry.offset));
  w.field("size", static_cast<unsigned long long>(s.entry.size));
  w.field("crc", hex32(s.entry.crc));
  w.end_object();
}

}  // namespace

std::string region_prot_string(const RegionEntry& region) {
  std::string s = "---p";
  s[0] = (region.prot & PROT_READ) ? 'r' : '-';
  s[1] = (region.prot & PROT_WRITE) ? 'w' : '-';
  s[2] = (region.prot & PROT_EXEC) ? 'x' : '-';
  s[3] = (region.flags & kRegionShared) ? 's' : 'p';
  return s;
}

std::vector<std::string> region_flag_names(uint32_t flags) {
  static const struct {
    uint32_t bit;
    const char* name;
  } kNames[] = {{kRegionShared, "shared"},         {kRegionFile, "file"},
                {kRegionDeleted, "deleted"},       {kRegionStack, "stack"},
                {kRegionHeap, "heap"},             {kRegionVvar, "vvar"},
                {kRegionVvarVclock, "vvar_vclock"}, {kRegionVdso, "vdso"},
                {kRegionVsyscall, "vsyscall"},     {kRegionAllSaved, "all_saved"},
                {kRegionCompressed, "compressed"}, {kRegionSharedElsewhere, "shared_elsewhere"},
                {kRegionLz4, "lz4"}};
  std::vector<std::string> names;
  uint32_t known = 0;
  for (const auto& n : kNames) {
    known |= n.bit;
    if (flags & n.bit) {
      names.emplace_back(n.name);
    }
  }
  if (flags & ~known) {
    names.push_back(hex(flags & ~known));
  }
  return names;
}

std::string image_to_json(const ImageInfo& info) {
  JsonWriter w;
  w.begin_object();
  w.field("file", info.file);
  w.field("file_size", static_cast<unsigned long long>(info.actual_size));
  w.field("verified", info.verified);
  write_header(w, info.header);
  w.key("regions").begin_array();
  for (const RegionInfo& r : info.regions) {
    write_region(w, r);
  }
  w.end_array();
  w.key("threads").begin_array();
  for (const ThreadEntry& t : info.threads) {
    write_thread(w, t);
  }
  w.end_array();
  w.key("sections").begin_array();
  for (const SectionInfo& s : info.sections) {
    write_section(w, s);
  }
  w.end_array();
  w.key("sources").begin_array();
  for (const std::string& source : info.sources) {
    w.value(source);
  }
  w.end_array();
  w.key("refs").begin_array();
  for (const RefRun& r : info.refs) {
    write_ref(w, r);
  }
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

}  // namespace ckpt::image
