#include "coordinator/rank_table.h"

#include <algorithm>

#include "coordinator/str_cat.h"
#include "coordinator/wire_codec.h"

namespace ckpt::coord {

Member& RankTable::add(ConnId conn, const proto::Hello& hello) {
  Member m;
  m.conn = conn;
  m.pid = hello.pid;
  m.parent_vpid = hello.parent_vpid;
  m.mpi_rank = hello.mpi_rank;
  m.restarted = (hello.flags & proto::kHelloRestarted) != 0;
  m.modes = (hello.flags >> proto::kHelloModesShift) & 0xffu;
  m.host = fixed_string(hello.host);
  m.program = fixed_string(hello.program);
  m.job_id = fixed_string(hello.job_id);
  m.ckpt_dir = fixed_string(hello.ckpt_dir);
  if (m.restarted && hello.vpid > 0) {
    m.vpid = hello.vpid;
    m.restart_generation = hello.generation;
    m.restart_nprocs = hello.nprocs;
    next_vpid_ = std::max(next_vpid_, hello.vpid + 1);
  } else {
    m.vpid = next_vpid_++;
  }
  ever_joined_ = true;
  return members_[conn] = std::move(m);
}

void RankTable::remove(ConnId conn) { members_.erase(conn); }

Member* RankTable::find(ConnId conn) {
  auto it = members_.find(conn);
  return it == members_.end() ? nullptr : &it->second;
}

const Member* RankTable::find(ConnId conn) const {
  auto it = members_.find(conn);
  return it == members_.end() ? nullptr : &it->second;
}

const Member* RankTable::find_vpid(int32_t vpid, ConnId except) const {
  for (const auto& [conn, m] : members_) {
    if (m.vpid == vpid && conn != except) {
      return &m;
    }
  }
  return nullptr;
}

std::vector<ConnId> RankTable::conns() const {
  std::vector<ConnId> out;
  out.reserve(members_.size());
  for (const auto& [conn, m] : members_) {
    out.push_back(conn);
  }
  return out;
}

std::vector<const Member*> RankTable::sorted_by_vpid() const {
  std::vector<const Member*> out;
  out.reserve(members_.size());
  for (const auto& [conn, m] : members_) {
    out.push_back(&m);
  }
  std::sort(out.begin(), out.end(), [](const Member* a, const Member* b) {
    return a->vpid != b->vpid ? a->vpid < b->vpid : a->conn < b->conn;
  });
  return out;
}

void RankTable::clear_steps() {
  for (auto& [conn, m] : members_) {
    m.last_step.clear();
  }
}

std::string describe_member(const Member& m) {
  return str_cat("vpid ", m.vpid, " (host ", m.host, ", pid ", m.pid, ", program ", m.program, ")");
}

}  // namespace ckpt::coord
