// launcher/image_summary.cc: see image_summary.h.
#include "launcher/image_summary.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace ckpt::launcher {

using image::fixed_string;

namespace {

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

std::string mib(uint64_t bytes) {
  return format("%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

std::string iso_time(uint64_t time_ns) {
  time_t t = static_cast<time_t>(time_ns / 1000000000ull);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string header_text(const image::ImageInfo& info) {
  const image::ImageHeader& h = info.header;
  std::string s;
  s += format("image       %s (%" PRIu64 " bytes%s)\n", info.file.c_str(), info.actual_size,
              info.verified ? ", verified" : "");
  s += format("program     %s\n", fixed_string(h.program, sizeof h.program).c_str());
  s += format("cmdline     %s\n", fixed_string(h.cmdline, sizeof h.cmdline).c_str());
  s += format("host        %s  pid %d  ppid %d  uid %d\n",
              fixed_string(h.host, sizeof h.host).c_str(), h.pid, h.ppid, h.uid);
  s += format("vpid        %d  parent vpid %d  mpi rank %d  of %u process(es)\n", h.vpid,
              h.parent_vpid, h.mpi_rank, h.nprocs);
  s += format("job         %s  generation %" PRIu64 "  written %s\n",
              fixed_string(h.job_id, sizeof h.job_id).c_str(), h.generation,
              iso_time(h.time_ns).c_str());
  s += format("system      kernel %s  glibc %s  format v%u\n",
              fixed_string(h.kernel_release, sizeof h.kernel_release).c_str(),
              fixed_string(h.glibc_version, sizeof h.glibc_version).c_str(), h.format_version);
  s += format("coordinator %s  checksum 0x%08x\n",
              fixed_string(h.coord_addr, sizeof h.coord_addr).c_str(), h.header_crc);
  return s;
}

std::string flags_text(uint32_t flags) {
  std::string s;
  for (const std::string& name : image::region_flag_names(flags)) {
    s += (s.empty() ? "" : ",") + name;
  }
  return s.empty() ? "-" : s;
}

std::string regions_text(const image::ImageInfo& info) {
  const image::ImageHeader& h = info.header;
  std::string s = format("regions     %zu, %" PRIu64 " saved pages (%s)\n", info.regions.size(),
                         h.saved_pages, mib(h.saved_pages * image::kPageSize).c_str());
  if (h.ref_count > 0) {
    s += format("references  %" PRIu64 " pages kept in %u image(s), oldest gen-%06" PRIu64
                "; %" PRIu64 " known unwritten (not read)\n", h.referenced_pages, h.source_count,
                h.oldest_referenced_generation, h.unread_referenced_pages);
    for (const std::string& source : info.sources) {
      s += format("  %s/%s\n", info.job_dir.c_str(), source.c_str());
    }
  }
  for (const image::RegionInfo& r : info.regions) {
    const image::RegionEntry& e = r.entry;
    s += format("  %016" PRIx64 "-%016" PRIx64 " %s %8" PRIu64 "/%-8" PRIu64 " %-14s %s\n",
                e.start, e.end, image::region_prot_string(e).c_str(), e.data_pages,
                (e.end - e.start) / image::kPageSize, flags_text(e.flags).c_str(),
                r.path.c_str());
  }
  return s;
}

std::string threads_text(const image::ImageInfo& info) {
  std::string s = format("threads     %zu\n", info.threads.size());
  for (const image::ThreadEntry& t : info.threads) {
    s += format("  tid %-7d %-16s rip 0x%" PRIx64 " rsp 0x%" PRIx64 " fs 0x%" PRIx64 "%s\n",
                t.tid, fixed_string(t.name, sizeof t.name).c_str(), t.rip, t.rsp, t.fs_base,
                t.is_ckpt_thread ? "  (checkpoint thread)" : "");
  }
  s += format("sections    %zu\n", info.sections.size());
  for (const image::SectionInfo& sec : info.sections) {
    s += format("  %-32s v%u %" PRIu64 " bytes\n", sec.name.c_str(), sec.entry.version,
                sec.entry.size);
  }
  return s;
}

}  // namespace

std::string image_summary_text(const image::ImageInfo& info) {
  return header_text(info) + regions_text(info) + threads_text(info);
}

std::string image_summary_line(const image::ImageInfo& info) {
  const image::ImageHeader& h = info.header;
  return format("vpid %d pid %d host %s program %s: %zu thread(s), %zu region(s), %s saved",
                h.vpid, h.pid, fixed_string(h.host, sizeof h.host).c_str(),
                fixed_string(h.program, sizeof h.program).c_str(), info.threads.size(),
                info.regions.size(), mib(h.saved_pages * image::kPageSize).c_str());
}

void write_image_summary_json(JsonWriter& w, const image::ImageInfo& info) {
  const image::ImageHeader& h = info.header;
  w.field("vpid", h.vpid).field("parent_vpid", h.parent_vpid).field("pid", h.pid);
  w.field("mpi_rank", h.mpi_rank);
  w.field("host", fixed_string(h.host, sizeof h.host));
  w.field("program", fixed_string(h.program, sizeof h.program));
  w.field("job_id", fixed_string(h.job_id, sizeof h.job_id));
  w.field("generation", static_cast<unsigned long long>(h.generation));
  w.field("nprocs", h.nprocs).field("nthreads", h.nthreads);
  w.field("regions", static_cast<unsigned long long>(info.regions.size()));
  w.field("saved_pages", static_cast<unsigned long long>(h.saved_pages));
  w.field("file_size", static_cast<unsigned long long>(info.actual_size));
  w.field("checksum", format("0x%08x", h.header_crc));
}

}  // namespace ckpt::launcher
