// tests/unit/image/image_reader_test.cc: read_image() accepts well-formed synthetic images and
// refuses damaged ones with one line naming the file and the problem; image_to_json() fields.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "libckpt/image/crc32c.h"
#include "libckpt/image/image_reader.h"
#include "synthetic_image.h"

namespace ckpt::testing {
namespace {

class ImageReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/ckpt-image-test-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    path_ = dir_ + "/app.node1.1.ckpt";
    Result<uint32_t> crc = write_synthetic_image(path_, typical_image());
    ASSERT_TRUE(crc.is_ok()) << crc.status().message();
    crc_ = crc.value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The error of a full verification; fails the test if the image is accepted.
  std::string verify_error() {
    Result<image::ImageInfo> info = image::read_image(path_, true);
    EXPECT_FALSE(info.is_ok());
    return info.is_ok() ? "" : info.status().message();
  }

  std::string dir_;
  std::string path_;
  uint32_t crc_ = 0;
};

TEST(Crc32c, KnownVector) {
  EXPECT_EQ(image::crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(image::crc32c("56789", 5, image::crc32c("1234", 4)), 0xE3069283u);
}

TEST_F(ImageReaderTest, AcceptsWellFormedImage) {
  Result<image::ImageInfo> r = image::read_image(path_, true);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const image::ImageInfo& info = r.value();
  EXPECT_TRUE(info.verified);
  EXPECT_EQ(info.header.header_crc, crc_);
  EXPECT_EQ(info.header.vpid, 1);
  ASSERT_EQ(info.regions.size(), 5u);
  EXPECT_EQ(info.regions[1].path, "[heap]");
  EXPECT_EQ(info.regions[1].entry.data_pages, 5u);
  EXPECT_EQ(info.regions[2].path, "");
  EXPECT_EQ(info.header.saved_pages, 2u + 5u + 1u + 2u);
  ASSERT_EQ(info.threads.size(), 2u);
  EXPECT_EQ(image::fixed_string(info.threads[1].name, 16), "ckpt");
  ASSERT_EQ(info.sections.size(), 1u);
  EXPECT_EQ(info.sections[0].name, "core.process");
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(info.actual_size, static_cast<uint64_t>(st.st_size));
}

TEST_F(ImageReaderTest, RejectsTruncatedFile) {
  uint64_t size = image::read_image(path_, false).value().actual_size;
  ASSERT_TRUE(truncate_file(path_, 12288).is_ok());
  std::string err = verify_error();
  EXPECT_EQ(err, path_ + ": truncated: 12288 bytes, header says " + std::to_string(size));
}

TEST_F(ImageReaderTest, RejectsTinyFile) {
  ASSERT_TRUE(truncate_file(path_, 100).is_ok());
  EXPECT_NE(verify_error().find(": truncated: 100 bytes"), std::string::npos);
}

TEST_F(ImageReaderTest, RejectsFlippedPageByte) {
  Result<uint64_t> off = region_data_offset(path_, 1);
  ASSERT_TRUE(off.is_ok());
  ASSERT_TRUE(flip_byte(path_, off.value() + 4096 + 17).is_ok());
  EXPECT_TRUE(image::read_image(path_, false).is_ok()) << "structure is intact";
  EXPECT_EQ(verify_error(), path_ + ": region 1 (0x600000-0x608000 [heap]) checksum mismatch");
}

TEST_F(ImageReaderTest, RejectsBadMagic) {
  ASSERT_TRUE(flip_byte(path_, 0).is_ok());
  EXPECT_EQ(verify_error(), path_ + ": not a ckpt image (bad magic)");
  EXPECT_FALSE(image::read_image(path_, false).is_ok());
}

TEST_F(ImageReaderTest, RejectsFutureVersion) {
  ASSERT_TRUE(patch_header(path_, 9, image::kArchX86_64).is_ok());
  EXPECT_EQ(verify_error(), path_ + ": format version 9 is newer than this ckpt (1)");
}

TEST_F(ImageReaderTest, RejectsWrongArch) {
  ASSERT_TRUE(patch_header(path_, image::kFormatVersion, 3).is_ok());
  EXPECT_EQ(verify_error(), path_ + ": image for arch 3, this is x86_64");
}

TEST_F(ImageReaderTest, RejectsCorruptHeader) {
  ASSERT_TRUE(flip_byte(path_, offsetof(image::ImageHeader, host) + 1).is_ok());
  EXPECT_EQ(verify_error(), path_ + ": header checksum mismatch");
}

TEST_F(ImageReaderTest, RejectsCorruptRegionTable) {
  Result<image::ImageHeader> h = read_header_raw(path_);
  ASSERT_TRUE(h.is_ok());
  ASSERT_TRUE(flip_byte(path_, h.value().region_table_offset + 112 + 20).is_ok());
  EXPECT_EQ(verify_error(), path_ + ": region table checksum mismatch");
}

TEST_F(ImageReaderTest, RejectsCorruptSectionBody) {
  Result<image::ImageInfo> info = image::read_image(path_, false);
  ASSERT_TRUE(info.is_ok());
  ASSERT_TRUE(flip_byte(path_, info.value().sections[0].entry.offset + 2).is_ok());
  EXPECT_EQ(verify_error(), path_ + ": section core.process checksum mismatch");
}

TEST_F(ImageReaderTest, RejectsTrailingData) {
  FILE* f = std::fopen(path_.c_str(), "a");
  ASSERT_NE(f, nullptr);
  std::fputs("junk", f);
  std::fclose(f);
  EXPECT_NE(verify_error().find("(trailing data)"), std::string::npos);
}

TEST_F(ImageReaderTest, MissingFileIsNotFound) {
  Result<image::ImageInfo> r = image::read_image(dir_ + "/nope.ckpt", true);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find("nope.ckpt"), std::string::npos);
}

TEST_F(ImageReaderTest, JsonHasRegionThreadAndHeaderFields) {
  Result<image::ImageInfo> info = image::read_image(path_, true);
  ASSERT_TRUE(info.is_ok());
  std::string json = image::image_to_json(info.value());
  for (const char* needle :
       {"\"start\": \"0x600000\"", "\"end\": \"0x608000\"", "\"prot\": \"rw-p\"",
        "\"prot\": \"r-xp\"", "\"flags\": [\n", "\"heap\"", "\"path\": \"[heap]\"",
        "\"saved_pages\": 5", "\"runs\": 2", "\"name\": \"ckpt\"", "\"sigmask\": \"0x4000\"",
        "\"fs_base\": \"0x7f0000001000\"", "\"rip\": \"0x401000\"", "\"tid\": 1010",
        "\"job_id\": \"job1\"", "\"vpid\": 1", "\"name\": \"core.process\"",
        "\"verified\": true"}) {
    EXPECT_NE(json.find(needle), std::string::npos) << needle << "\n" << json;
  }
}

TEST_F(ImageReaderTest, CompressedRegionChunksAreVerified) {
  SyntheticImage spec = typical_image();
  spec.regions[1].compressed = true;
  spec.regions.push_back({0x10000000, 600, 3, 0, "", {{0, 300}, {400, 200}}, true});  // 2 chunks
  ASSERT_TRUE(write_synthetic_image(path_, spec).is_ok());
  Result<image::ImageInfo> info = image::read_image(path_, true);
  ASSERT_TRUE(info.is_ok()) << info.status().message();
  const image::RegionEntry& big = info.value().regions[5].entry;
  EXPECT_TRUE(big.flags & image::kRegionCompressed);
  EXPECT_EQ(big.data_pages, 500u);
  EXPECT_EQ(big.runs_offset - big.data_offset, 500 * 4096 + 2 * sizeof(image::CompressedChunk));
  EXPECT_NE(image::image_to_json(info.value()).find("\"compressed\""), std::string::npos);
  // A flipped byte in the second chunk's data.
  ASSERT_TRUE(flip_byte(path_, big.data_offset + (1u << 20) + 3 * sizeof(image::CompressedChunk)).is_ok());
  EXPECT_EQ(verify_error(), path_ + ": region 5 (0x10000000-0x10258000) checksum mismatch");
  // A chunk header that claims more raw bytes than the region saved.
  ASSERT_TRUE(write_synthetic_image(path_, spec).is_ok());
  ASSERT_TRUE(flip_byte(path_, big.data_offset + 1).is_ok());
  EXPECT_NE(verify_error().find("region 5 (0x10000000-0x10258000): corrupt compressed chunk"),
            std::string::npos);
}

// gen-000002's image keeps one heap page by reference to gen-000001's image.
TEST_F(ImageReaderTest, IncrementalReferencesAreVerified) {
  std::string gen1 = dir_ + "/job/gen-000001/app.node1.1.ckpt";
  std::string gen2 = dir_ + "/job/gen-000002/app.node1.1.ckpt";
  std::filesystem::create_directories(dir_ + "/job/gen-000001");
  std::filesystem::create_directories(dir_ + "/job/gen-000002");
  ASSERT_TRUE(write_synthetic_image(gen1, typical_image()).is_ok());
  uint64_t off = region_data_offset(gen1, 1).value() + 4096;
  uint32_t crc = file_crc(gen1, off, 4096).value();
  SyntheticImage spec = typical_image(1, 2);
  spec.sources = {"gen-000001/app.node1.1.ckpt"};
  spec.refs = {image::RefRun{1, 0, 3, 1, off, crc, 1}};
  ASSERT_TRUE(write_synthetic_image(gen2, spec).is_ok());
  Result<image::ImageInfo> info = image::read_image(gen2, true);
  ASSERT_TRUE(info.is_ok()) << info.status().message();
  EXPECT_EQ(info.value().header.referenced_pages, 1u);
  ASSERT_EQ(info.value().sources.size(), 1u);
  EXPECT_EQ(info.value().job_dir, dir_ + "/job");
  std::string json = image::image_to_json(info.value());
  EXPECT_NE(json.find("\"sources\": [\n    \"gen-000001/app.node1.1.ckpt\""), std::string::npos)
      << json;

  ASSERT_TRUE(flip_byte(gen1, off + 5).is_ok());
  Result<image::ImageInfo> changed = image::read_image(gen2, true);
  ASSERT_FALSE(changed.is_ok());
  EXPECT_EQ(changed.status().message(),
            gen2 + ": pages referenced in gen-000001 (gen-000001/app.node1.1.ckpt) changed or "
                   "are truncated");
  std::filesystem::remove(gen1);
  Result<image::ImageInfo> missing = image::read_image(gen2, true);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().message(), gen2 + ": needs gen-000001 (" + dir_ +
                                            "/job/gen-000001/app.node1.1.ckpt), which is missing");
  EXPECT_TRUE(image::read_image(gen2, false).is_ok()) << "inspect still works";
}

TEST(RegionStrings, ProtAndFlags) {
  image::RegionEntry e{};
  e.prot = 1 | 4;
  e.flags = image::kRegionShared | image::kRegionFile;
  EXPECT_EQ(image::region_prot_string(e), "r-xs");
  std::vector<std::string> names = image::region_flag_names(e.flags | (1u << 20));
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "shared");
  EXPECT_EQ(names[1], "file");
  EXPECT_EQ(names[2], "0x100000");
}

}  // namespace
}  // namespace ckpt::testing
