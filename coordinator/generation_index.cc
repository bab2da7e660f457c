#include "coordinator/generation_index.h"

#include <sys/stat.h>

#include <H5Cpp.h>

#include <cstring>

namespace ckpt::coord {

namespace {

// The in-memory row layout of /processes.
struct Row {
  int32_t vpid, parent_vpid, pid, mpi_rank;
  char host[kIndexHostLen];
  char program[kIndexPathLen];
  char image[kIndexPathLen];
  uint64_t size;
  uint32_t checksum, nthreads;
  char plugins[kIndexPathLen];
};

H5::CompType row_type() {
  H5::StrType host_t(H5::PredType::C_S1, kIndexHostLen);
  H5::StrType path_t(H5::PredType::C_S1, kIndexPathLen);
  H5::CompType t(sizeof(Row));
  t.insertMember("vpid", HOFFSET(Row, vpid), H5::PredType::NATIVE_INT32);
  t.insertMember("parent_vpid", HOFFSET(Row, parent_vpid), H5::PredType::NATIVE_INT32);
  t.insertMember("pid", HOFFSET(Row, pid), H5::PredType::NATIVE_INT32);
  t.insertMember("mpi_rank", HOFFSET(Row, mpi_rank), H5::PredType::NATIVE_INT32);
  t.insertMember("host", HOFFSET(Row, host), host_t);
  t.insertMember("program", HOFFSET(Row, program), path_t);
  t.insertMember("image", HOFFSET(Row, image), path_t);
  t.insertMember("size", HOFFSET(Row, size), H5::PredType::NATIVE_UINT64);
  t.insertMember("checksum", HOFFSET(Row, checksum), H5::PredType::NATIVE_UINT32);
  t.insertMember("nthreads", HOFFSET(Row, nthreads), H5::PredType::NATIVE_UINT32);
  t.insertMember("plugins", HOFFSET(Row, plugins), path_t);
  return t;
}

template <size_t N>
void copy_field(char (&dst)[N], const std::string& src) {
  std::memset(dst, 0, N);
  std::memcpy(dst, src.data(), std::min(src.size(), N - 1));
}

template <size_t N>
std::string read_field(const char (&src)[N]) {
  return std::string(src, strnlen(src, N));
}

Row to_row(const IndexRow& r) {
  Row row{};
  row.vpid = r.vpid;
  row.parent_vpid = r.parent_vpid;
  row.pid = r.pid;
  row.mpi_rank = r.mpi_rank;
  copy_field(row.host, r.host);
  copy_field(row.program, r.program);
  copy_field(row.image, r.image);
  row.size = r.size;
  row.checksum = r.checksum;
  row.nthreads = r.nthreads;
  copy_field(row.plugins, r.plugins);
  return row;
}

IndexRow from_row(const Row& row) {
  IndexRow r;
  r.vpid = row.vpid;
  r.parent_vpid = row.parent_vpid;
  r.pid = row.pid;
  r.mpi_rank = row.mpi_rank;
  r.host = read_field(row.host);
  r.program = read_field(row.program);
  r.image = read_field(row.image);
  r.size = row.size;
  r.checksum = row.checksum;
  r.nthreads = row.nthreads;
  r.plugins = read_field(row.plugins);
  return r;
}

H5::StrType vl_string() { return H5::StrType(H5::PredType::C_S1, H5T_VARIABLE); }

void write_string_attr(H5::H5Object& obj, const char* name, const std::string& value) {
  H5::DataSpace scalar(H5S_SCALAR);
  H5::Attribute a = obj.createAttribute(name, vl_string(), scalar);
  a.write(vl_string(), value);
}

template <typename T>
void write_scalar_attr(H5::H5Object& obj, const char* name, const H5::PredType& type, T value) {
  H5::DataSpace scalar(H5S_SCALAR);
  H5::Attribute a = obj.createAttribute(name, type, scalar);
  a.write(type, &value);
}

void write_topology(H5::H5Object& obj, const IndexInfo& info) {
  std::vector<std::string> lines;
  for (const auto& [host, summary] : info.topology) {
    lines.push_back(host + ": " + summary);
  }
  std::vector<const char*> ptrs;
  for (const std::string& l : lines) {
    ptrs.push_back(l.c_str());
  }
  hsize_t dims[1] = {ptrs.size()};
  H5::DataSpace space = ptrs.empty() ? H5::DataSpace(H5S_NULL) : H5::DataSpace(1, dims);
  H5::Attribute a = obj.createAttribute("topology", vl_string(), space);
  if (!ptrs.empty()) {
    a.write(vl_string(), ptrs.data());
  }
}

void write_processes(H5::H5File& file, const IndexInfo& info) {
  std::vector<Row> rows;
  rows.reserve(info.rows.size());
  for (const IndexRow& r : info.rows) {
    rows.push_back(to_row(r));
  }
  hsize_t dims[1] = {rows.size()};
  hsize_t maxdims[1] = {H5S_UNLIMITED};
  hsize_t chunk[1] = {64};
  H5::DataSpace space(1, dims, maxdims);
  H5::DSetCreatPropList props;
  props.setChunk(1, chunk);
  H5::CompType type = row_type();
  H5::DataSet ds = file.createDataSet("/processes", type, space, props);
  if (!rows.empty()) {
    ds.write(rows.data(), type);
  }
}

}  // namespace

Status write_generation_index(const std::string& path, const IndexInfo& info) {
  try {
    H5::Exception::dontPrint();
    H5::H5File file(path, H5F_ACC_TRUNC);
    write_processes(file, info);
    H5::Group root = file.openGroup("/");
    write_string_attr(root, "job_id", info.job_id);
    write_scalar_attr(root, "generation", H5::PredType::NATIVE_UINT64, info.generation);
    write_scalar_attr(root, "time_ns", H5::PredType::NATIVE_INT64, info.time_ns);
    write_string_attr(root, "coordinator", info.coordinator);
    write_string_attr(root, "ckpt_version", info.version);
    write_scalar_attr(root, "oldest_referenced_generation", H5::PredType::NATIVE_UINT64,
                      info.oldest_referenced_generation);
    write_topology(root, info);
    file.close();
  } catch (const H5::Exception& e) {
    return Status(Code::kIo, "writing " + path + ": " + e.getFuncName() + ": " + e.getDetailMsg());
  }
  if (chmod(path.c_str(), 0600) != 0) {  // like the images: owner-only
    return Status::from_errno(Code::kIo, "chmod 0600 " + path);
  }
  return Status::ok();
}

namespace {

std::string read_string_attr(const H5::H5Object& obj, const char* name) {
  H5::Attribute a = obj.openAttribute(name);
  std::string value;
  a.read(a.getStrType(), value);
  return value;
}

template <typename T>
T read_scalar_attr(const H5::H5Object& obj, const char* name, const H5::PredType& type) {
  T value{};
  obj.openAttribute(name).read(type, &value);
  return value;
}

void read_topology(const H5::H5Object& obj, IndexInfo& info) {
  H5::Attribute a = obj.openAttribute("topology");
  H5::DataSpace space = a.getSpace();
  hssize_t n = space.getSimpleExtentNpoints();
  if (space.getSimpleExtentType() == H5S_NULL || n <= 0) {
    return;
  }
  std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
  H5::StrType type = vl_string();
  a.read(type, ptrs.data());
  for (char* p : ptrs) {
    std::string line = p != nullptr ? p : "";
    size_t colon = line.find(": ");
    if (colon == std::string::npos) {
      info.topology.emplace_back(line, "");
    } else {
      info.topology.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
  }
  H5::DataSet::vlenReclaim(ptrs.data(), type, space);
}

void read_processes(const H5::H5File& file, IndexInfo& info) {
  H5::DataSet ds = file.openDataSet("/processes");
  hsize_t n = 0;
  ds.getSpace().getSimpleExtentDims(&n);
  std::vector<Row> rows(n);
  if (n > 0) {
    ds.read(rows.data(), row_type());
  }
  for (const Row& row : rows) {
    info.rows.push_back(from_row(row));
  }
}

}  // namespace

Result<IndexInfo> read_generation_index(const std::string& path) {
  IndexInfo info;
  try {
    H5::Exception::dontPrint();
    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::Group root = file.openGroup("/");
    info.job_id = read_string_attr(root, "job_id");
    info.generation = read_scalar_attr<uint64_t>(root, "generation", H5::PredType::NATIVE_UINT64);
    info.time_ns = read_scalar_attr<int64_t>(root, "time_ns", H5::PredType::NATIVE_INT64);
    info.coordinator = read_string_attr(root, "coordinator");
    info.version = read_string_attr(root, "ckpt_version");
    if (root.attrExists("oldest_referenced_generation")) {
      info.oldest_referenced_generation = read_scalar_attr<uint64_t>(
          root, "oldest_referenced_generation", H5::PredType::NATIVE_UINT64);
    }
    read_topology(root, info);
    read_processes(file, info);
  } catch (const H5::Exception& e) {
    return Status(Code::kCorrupt,
                  "reading " + path + ": " + e.getFuncName() + ": " + e.getDetailMsg());
  }
  return info;
}

}  // namespace ckpt::coord
