// coordinator/rank_table.h: the members of the computation (one per connected process), with
// their virtual pid and what they said in Hello. Virtual pids are 1, 2, 3... in join order; a
// restarted process keeps the vpid stored in its image.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "coordinator/protocol.h"
#include "coordinator/transport.h"

namespace ckpt::coord {

struct Member {
  ConnId conn = 0;
  int32_t vpid = 0;
  int32_t pid = 0;
  int32_t parent_vpid = 0;
  int32_t mpi_rank = -1;
  bool restarted = false;
  uint32_t modes = 0;  // proto::CheckpointFlag bits the member applies to every checkpoint
  uint64_t restart_generation = 0;  // restarted: the generation its image belongs to
  uint32_t restart_nprocs = 0;
  std::string host;
  std::string program;
  std::string job_id;
  std::string ckpt_dir;
  std::string last_step;  // last barrier reached in the current round; "" = running
};

class RankTable {
 public:
  // Adds a member for `conn`: a fresh vpid, or the restarted one from `hello`.
  Member& add(ConnId conn, const proto::Hello& hello);
  void remove(ConnId conn);
  Member* find(ConnId conn);
  const Member* find(ConnId conn) const;
  // A live member with this vpid, other than `except`.
  const Member* find_vpid(int32_t vpid, ConnId except) const;

  size_t size() const { return members_.size(); }
  bool ever_joined() const { return ever_joined_; }
  const std::map<ConnId, Member>& members() const { return members_; }
  std::vector<ConnId> conns() const;
  std::vector<const Member*> sorted_by_vpid() const;
  void clear_steps();

 private:
  std::map<ConnId, Member> members_;  // ConnIds grow, so this is join order
  int32_t next_vpid_ = 1;
  bool ever_joined_ = false;
};

// "vpid 2 (host vm, pid 123, program /usr/bin/x)"
std::string describe_member(const Member& m);

}  // namespace ckpt::coord
