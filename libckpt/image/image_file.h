// libckpt/image/image_file.h: a read-only image file opened by the host tools, with
// bounded reads at absolute offsets and CRC32C over file ranges in large chunks.
// Host side only (allocates, returns Status).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ckpt/status.h"

namespace ckpt::image {

class ImageFile {
 public:
  static Result<ImageFile> open(const std::string& path);
  ImageFile(ImageFile&& other) noexcept;
  ImageFile& operator=(ImageFile&& other) noexcept;
  ImageFile(const ImageFile&) = delete;
  ImageFile& operator=(const ImageFile&) = delete;
  ~ImageFile();

  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Reads exactly `len` bytes at `offset`; a short file is an error.
  Status read_at(uint64_t offset, void* buf, uint64_t len) const;
  // CRC32C of [offset, offset + len), chained from `seed`, read in chunks of a few MiB.
  Result<uint32_t> crc_range(uint64_t offset, uint64_t len, uint32_t seed = 0) const;
  // True if [offset, offset + len) lies inside the file (overflow-safe).
  bool contains(uint64_t offset, uint64_t len) const;

 private:
  ImageFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  mutable std::vector<uint8_t> chunk_;
};

}  // namespace ckpt::image
