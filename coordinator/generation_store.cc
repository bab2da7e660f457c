#include "coordinator/generation_store.h"

#include "coordinator/generation_index.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace ckpt::coord {

namespace {

constexpr const char* kPartialSuffix = ".partial";

Status write_file(const std::string& path, const std::string& contents, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return Status::from_errno(Code::kIo, "creating " + path);
  }
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      Status st = Status::from_errno(Code::kIo, "writing " + path);
      close(fd);
      return st;
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
    Status st = Status::from_errno(Code::kIo, "syncing " + path);
    close(fd);
    return st;
  }
  close(fd);
  return Status::ok();
}

std::vector<std::pair<uint64_t, std::string>> list_generations(const std::string& dir,
                                                               bool want_partial) {
  std::vector<std::pair<uint64_t, std::string>> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return out;
  }
  while (dirent* e = readdir(d)) {
    bool partial = false;
    uint64_t g = parse_generation_name(e->d_name, &partial);
    if (g != 0 && partial == want_partial) {
      out.emplace_back(g, e->d_name);
    }
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string generation_name(uint64_t generation) {
  char buf[32];
  snprintf(buf, sizeof buf, "gen-%06llu", static_cast<unsigned long long>(generation));
  return buf;
}

uint64_t parse_generation_name(const std::string& name, bool* partial) {
  if (name.rfind("gen-", 0) != 0) {
    return 0;
  }
  std::string digits = name.substr(4);
  *partial = false;
  size_t suffix = std::string(kPartialSuffix).size();
  if (digits.size() > suffix &&
      digits.compare(digits.size() - suffix, suffix, kPartialSuffix) == 0) {
    digits.resize(digits.size() - suffix);
    *partial = true;
  }
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return 0;
  }
  return std::stoull(digits);
}

Status make_dirs(const std::string& path) {
  if (path.empty()) {
    return Status(Code::kInvalid, "empty directory path");
  }
  size_t pos = 1;
  for (;;) {
    size_t slash = path.find('/', pos);
    std::string part = path.substr(0, slash);
    if (!part.empty() && mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::from_errno(Code::kIo, "creating directory " + part);
    }
    if (slash == std::string::npos) {
      break;
    }
    pos = slash + 1;
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status(Code::kIo, "creating directory " + path + ": not a directory");
  }
  return Status::ok();
}

Status fsync_path(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::from_errno(Code::kIo, "opening " + path + " to sync it");
  }
  int rc = fsync(fd);
  Status st = rc == 0 ? Status::ok() : Status::from_errno(Code::kIo, "fsync " + path);
  close(fd);
  return st;
}

GenerationStore::GenerationStore(std::string ckpt_dir, std::string job_id)
    : ckpt_dir_(std::move(ckpt_dir)), job_dir_(ckpt_dir_ + "/" + job_id) {}

std::string GenerationStore::partial_dir(uint64_t generation) const {
  return job_dir_ + "/" + generation_name(generation) + kPartialSuffix;
}

std::string GenerationStore::final_dir(uint64_t generation) const {
  return job_dir_ + "/" + generation_name(generation);
}

uint64_t GenerationStore::highest_on_disk() const {
  uint64_t highest = 0;
  for (bool partial : {false, true}) {
    auto gens = list_generations(job_dir_, partial);
    if (!gens.empty()) {
      highest = std::max(highest, gens.back().first);
    }
  }
  return highest;
}

Status GenerationStore::create_partial(uint64_t generation) const {
  return make_dirs(partial_dir(generation));
}

Status GenerationStore::commit(uint64_t generation, const std::string& restart_script) const {
  std::string partial = partial_dir(generation);
  std::string final = final_dir(generation);
  CKPT_TRY(write_file(partial + "/restart.sh", restart_script, 0700));
  CKPT_TRY(fsync_path(partial + "/index.h5"));
  CKPT_TRY(fsync_path(partial));
  if (rename(partial.c_str(), final.c_str()) != 0) {
    return Status::from_errno(Code::kIo, "renaming " + partial + " to " + final);
  }
  Status st = switch_latest(generation);
  if (st.is_ok()) {
    st = fsync_path(job_dir_);
  }
  if (!st.is_ok()) {
    // `latest` still names the previous generation: drop this one entirely.
    std::error_code ec;
    std::filesystem::remove_all(final, ec);
    return st;
  }
  return Status::ok();
}

// symlink to a temporary name, then rename(2) over `latest`: readers see old or new.
Status GenerationStore::switch_latest(uint64_t generation) const {
  std::string tmp = job_dir_ + "/.latest." + std::to_string(getpid()) + ".tmp";
  unlink(tmp.c_str());
  if (symlink(generation_name(generation).c_str(), tmp.c_str()) != 0) {
    return Status::from_errno(Code::kIo, "creating symlink " + tmp);
  }
  std::string latest = job_dir_ + "/latest";
  if (rename(tmp.c_str(), latest.c_str()) != 0) {
    Status st = Status::from_errno(Code::kIo, "switching " + latest);
    unlink(tmp.c_str());
    return st;
  }
  return Status::ok();
}

// Incremental generations reference pages of older ones: the oldest generation any kept
// generation (gens[first_kept..]) needs, read from their index.h5; UINT64_MAX if none.
uint64_t GenerationStore::oldest_needed(const std::vector<std::pair<uint64_t, std::string>>& gens,
                                        size_t first_kept) const {
  uint64_t needed = UINT64_MAX;
  for (size_t i = first_kept; i < gens.size(); ++i) {
    auto info = read_generation_index(job_dir_ + "/" + gens[i].second + "/index.h5");
    uint64_t ref = info.is_ok() ? info.value().oldest_referenced_generation : 0;
    if (ref != 0 && ref < needed) needed = ref;
  }
  return needed;
}

std::vector<std::string> GenerationStore::prune(int keep, uint64_t current) const {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& [g, name] : list_generations(job_dir_, true)) {
    if (g < current && std::filesystem::remove_all(job_dir_ + "/" + name, ec) > 0) {
      removed.push_back(name);
    }
  }
  if (keep <= 0) {
    return removed;
  }
  auto gens = list_generations(job_dir_, false);
  size_t excess = gens.size() > static_cast<size_t>(keep) ? gens.size() - keep : 0;
  uint64_t needed = oldest_needed(gens, excess);
  for (size_t i = 0; i < excess; ++i) {
    if (gens[i].first != current && gens[i].first < needed &&
        std::filesystem::remove_all(job_dir_ + "/" + gens[i].second, ec) > 0) {
      removed.push_back(gens[i].second);
    }
  }
  return removed;
}

void GenerationStore::remove_partial(uint64_t generation) const {
  std::error_code ec;
  std::filesystem::remove_all(partial_dir(generation), ec);
}

std::vector<uint64_t> GenerationStore::discard_stale_partials() const {
  std::vector<uint64_t> removed;
  for (const auto& [generation, name] : list_generations(job_dir_, true)) {
    std::error_code ec;
    if (std::filesystem::remove_all(job_dir_ + "/" + name, ec) > 0) {
      removed.push_back(generation);
    }
  }
  return removed;
}

}  // namespace ckpt::coord
