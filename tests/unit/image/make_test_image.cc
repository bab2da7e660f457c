// tests/unit/image/make_test_image.cc: `ckpt-test-image OUT [--vpid N] [--parent-vpid N]
// [--generation G] [--nprocs N] [--job J] [--host H] [--damage KIND]` writes a synthetic image for the
// launcher's CLI tests. KIND: truncate, page (flip a byte of region 1's pages), magic,
// version (9), arch (3), region-table. Prints the image checksum (header CRC) as 0x%08x.
// `ckpt-test-image --index DIR` writes DIR/index.h5 listing every *.ckpt of DIR (needs the
// coordinator library).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "synthetic_image.h"
#if CKPT_HAVE_COORDINATOR
#include <algorithm>
#include <filesystem>

#include "coordinator/generation_index.h"
#include "libckpt/image/image_reader.h"
#endif

namespace {

using namespace ckpt;
using namespace ckpt::testing;

Status damage(const std::string& path, const std::string& kind) {
  if (kind == "truncate") {
    return truncate_file(path, 12288);
  }
  if (kind == "page") {
    CKPT_TRY_ASSIGN(uint64_t off, region_data_offset(path, 1));
    return flip_byte(path, off + 100);
  }
  if (kind == "magic") {
    return flip_byte(path, 0);
  }
  if (kind == "version") {
    return patch_header(path, 9, image::kArchX86_64);
  }
  if (kind == "arch") {
    return patch_header(path, image::kFormatVersion, 3);
  }
  if (kind == "region-table") {
    CKPT_TRY_ASSIGN(image::ImageHeader h, read_header_raw(path));
    return flip_byte(path, h.region_table_offset + 8);
  }
  return Status(Code::kInvalid, "unknown damage kind " + kind);
}

Status write_index(const std::string& dir) {
#if CKPT_HAVE_COORDINATOR
  coord::IndexInfo index;
  index.coordinator = "localhost:7779";
  index.version = "test";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.size() < 5 || name.compare(name.size() - 5, 5, ".ckpt") != 0) {
      continue;
    }
    CKPT_TRY_ASSIGN(image::ImageInfo info, image::read_image(entry.path().string(), false));
    const image::ImageHeader& h = info.header;
    index.job_id = image::fixed_string(h.job_id, sizeof h.job_id);
    index.generation = h.generation;
    index.rows.push_back(coord::IndexRow{h.vpid, h.parent_vpid, h.pid, h.mpi_rank,
                                         image::fixed_string(h.host, sizeof h.host),
                                         image::fixed_string(h.program, sizeof h.program), name,
                                         info.actual_size, h.header_crc, h.nthreads, ""});
  }
  std::sort(index.rows.begin(), index.rows.end(),
            [](const auto& a, const auto& b) { return a.vpid < b.vpid; });
  return coord::write_generation_index(dir + "/index.h5", index);
#else
  return Status(Code::kUnsupported, "built without the coordinator library: no index " + dir);
#endif
}

int usage() {
  std::fprintf(stderr,
               "usage: ckpt-test-image OUT [--vpid N] [--parent-vpid N] [--generation G] "
               "[--nprocs N] [--job J] [--host H] [--damage truncate|page|magic|version|arch|region-table]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    return usage();
  }
  std::string out = argv[1];
  if (out == "--index" && argc == 3) {
    Status s = write_index(argv[2]);
    if (!s.is_ok()) {
      std::fprintf(stderr, "ckpt-test-image: %s\n", s.message().c_str());
    }
    return s.is_ok() ? 0 : 1;
  }
  SyntheticImage spec = typical_image();
  std::string kind;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string opt = argv[i];
    const char* v = argv[i + 1];
    if (opt == "--vpid") {
      spec.vpid = std::atoi(v);
      spec.pid = 1000 + spec.vpid * 10;
    } else if (opt == "--parent-vpid") {
      spec.parent_vpid = std::atoi(v);
    } else if (opt == "--generation") {
      spec.generation = std::strtoull(v, nullptr, 10);
    } else if (opt == "--nprocs") {
      spec.nprocs = static_cast<uint32_t>(std::atoi(v));
    } else if (opt == "--job") {
      spec.job_id = v;
    } else if (opt == "--host") {
      spec.host = v;
    } else if (opt == "--damage") {
      kind = v;
    } else {
      return usage();
    }
  }
  Result<uint32_t> crc = write_synthetic_image(out, spec);
  Status s = crc.is_ok() ? (kind.empty() ? Status::ok() : damage(out, kind)) : crc.status();
  if (!s.is_ok()) {
    std::fprintf(stderr, "ckpt-test-image: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("0x%08x\n", crc.value());
  return 0;
}
