#include "coordinator/barrier.h"

#include <algorithm>

namespace ckpt::coord {

Round::Round(RoundKind kind, uint64_t generation, uint32_t flags, Clock::time_point start,
             Clock::duration timeout)
    : kind_(kind),
      generation_(generation),
      flags_(flags),
      start_(start),
      timeout_(timeout),
      deadline_(start + timeout) {}

void Round::add_participant(ConnId conn) { participants_.insert(conn); }

void Round::remove_participant(ConnId conn) {
  participants_.erase(conn);
  written_.erase(conn);
  for (auto& [name, arrived] : arrivals_) {
    arrived.erase(conn);
  }
}

void Round::keep_written_of(ConnId conn) {
  participants_.erase(conn);
  for (auto& [name, arrived] : arrivals_) {
    arrived.erase(conn);
  }
}

bool Round::arrive(ConnId conn, const std::string& name) {
  if (!is_participant(conn)) {
    return false;
  }
  auto [it, inserted] = arrivals_.try_emplace(name);
  if (inserted) {
    arrival_order_.push_back(name);
  }
  it->second.insert(conn);
  return true;
}

bool Round::is_complete(const std::unordered_set<ConnId>& arrived) const {
  if (participants_.empty() || participants_.size() < expected_) {
    return false;
  }
  if (arrived.size() < participants_.size()) {
    return false;
  }
  return std::all_of(participants_.begin(), participants_.end(),
                     [&](ConnId c) { return arrived.count(c) != 0; });
}

std::vector<std::string> Round::complete_barriers() const {
  std::vector<std::string> out;
  for (const std::string& name : arrival_order_) {
    auto it = arrivals_.find(name);
    if (it != arrivals_.end() && is_complete(it->second)) {
      out.push_back(name);
    }
  }
  return out;
}

void Round::release(const std::string& name, Clock::time_point now) {
  arrivals_.erase(name);
  arrival_order_.erase(std::remove(arrival_order_.begin(), arrival_order_.end(), name),
                       arrival_order_.end());
  steps_.emplace_back(name, seconds_since_start(now));
  deadline_ = now + timeout_;
}

void Round::record_written(ConnId conn, const proto::Written& written) {
  if (is_participant(conn)) {
    written_[conn] = written;
  }
}

bool Round::all_written() const {
  return !written_.empty() && std::all_of(participants_.begin(), participants_.end(),
                                          [&](ConnId c) { return written_.count(c) != 0; });
}

void Round::mark_committed(Clock::time_point now) {
  committed_ = true;
  steps_.emplace_back("committed", seconds_since_start(now));
  deadline_ = now + timeout_;
}

std::vector<ConnId> Round::missing() const {
  std::vector<ConnId> out;
  for (ConnId c : participants_) {
    bool waiting = !committed_ && written_.count(c) != 0;
    for (const auto& [name, arrived] : arrivals_) {
      waiting = waiting || arrived.count(c) != 0;
    }
    if (!waiting) {
      out.push_back(c);
    }
  }
  return out;
}

std::string Round::pending_barrier() const {
  return arrival_order_.empty() ? std::string() : arrival_order_.front();
}

double Round::seconds_since_start(Clock::time_point now) const {
  return std::chrono::duration<double>(now - start_).count();
}

}  // namespace ckpt::coord
