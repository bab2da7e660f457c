// libckpt/image/image_file.cc: see image_file.h. Host side only.
#include "libckpt/image/image_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "libckpt/image/crc32c.h"

namespace ckpt::image {

namespace {
constexpr uint64_t kChunkBytes = 8u << 20;
}  // namespace

Result<ImageFile> ImageFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::from_errno(errno == ENOENT ? Code::kNotFound : Code::kIo, path + ": cannot open");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    Status s = Status::from_errno(Code::kIo, path + ": cannot stat");
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(Code::kInvalid, path + ": not a regular file");
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return ImageFile(path, fd, static_cast<uint64_t>(st.st_size));
}

ImageFile::ImageFile(ImageFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

ImageFile& ImageFile::operator=(ImageFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

ImageFile::~ImageFile() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool ImageFile::contains(uint64_t offset, uint64_t len) const {
  return offset <= size_ && len <= size_ - offset;
}

Status ImageFile::read_at(uint64_t offset, void* buf, uint64_t len) const {
  auto* out = static_cast<uint8_t*>(buf);
  uint64_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd_, out + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Status::from_errno(Code::kIo, path_ + ": read error at offset " +
                                               std::to_string(offset + done));
    }
    if (n == 0) {
      return Status(Code::kCorrupt, path_ + ": truncated: unexpected end of file at offset " +
                                        std::to_string(offset + done));
    }
    done += static_cast<uint64_t>(n);
  }
  return Status::ok();
}

Result<uint32_t> ImageFile::crc_range(uint64_t offset, uint64_t len, uint32_t seed) const {
  if (chunk_.empty()) {
    chunk_.resize(kChunkBytes);
  }
  uint32_t crc = seed;
  while (len > 0) {
    uint64_t n = len < kChunkBytes ? len : kChunkBytes;
    CKPT_TRY(read_at(offset, chunk_.data(), n));
    crc = crc32c(chunk_.data(), n, crc);
    offset += n;
    len -= n;
  }
  return crc;
}

}  // namespace ckpt::image
