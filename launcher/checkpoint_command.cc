// launcher/checkpoint_command.cc: the command-session subcommands that talk to a running
// coordinator: `ckpt checkpoint`, `status`, `kill`, `interval SECONDS` and `quit`.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "coordinator/protocol.h"
#include "launcher/commands.h"
#include "launcher/coordinator_client.h"
#include "launcher/json_value.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

const char* action_name(ClientAction action) {
  switch (action) {
    case ClientAction::kCheckpoint: return "checkpoint";
    case ClientAction::kStatus: return "status";
    case ClientAction::kKill: return "kill";
    case ClientAction::kInterval: return "interval";
    case ClientAction::kQuit: return "quit";
  }
  return "?";
}

CommandRequest request_for(const ClientOptions& opts) {
  CommandRequest req;
  req.reply_timeout_s = 30;
  switch (opts.action) {
    case ClientAction::kCheckpoint:
      req.code = proto::kCmdCheckpoint;
      req.flags = (opts.wait ? proto::kCmdWait : 0u) | (opts.kill_after ? proto::kCmdKillAfter : 0u) |
                  (opts.forked ? proto::kCmdForked : 0u) |
                  (opts.incremental ? proto::kCmdIncremental : 0u) |
                  (opts.compress ? proto::kCmdCompress : 0u) |
                  (opts.compress_lz4 ? proto::kCmdCompressLz4 : 0u);
      req.reply_timeout_s = opts.wait ? opts.timeout : 30;
      break;
    case ClientAction::kStatus: req.code = proto::kCmdStatus; break;
    case ClientAction::kKill: req.code = proto::kCmdKill; break;
    case ClientAction::kInterval:
      req.code = proto::kCmdInterval;
      req.arg = opts.interval;
      break;
    case ClientAction::kQuit: req.code = proto::kCmdQuit; break;
  }
  return req;
}

std::string modes_of(const JsonValue& member) {
  std::string out;
  for (const JsonValue& mode : member["modes"].items()) {
    out += (out.empty() ? "" : ",") + mode.string();
  }
  return out.empty() ? "-" : out;
}

void print_members(const JsonValue& members) {
  std::printf("%6s %8s %-16s %-14s %-9s %-26s %s\n", "VPID", "PID", "HOST", "STATE",
              "RESTARTED", "MODES", "PROGRAM");
  for (const JsonValue& m : members.items()) {
    std::printf("%6s %8s %-16s %-14s %-9s %-26s %s\n", m["vpid"].to_display().c_str(),
                m["pid"].to_display().c_str(), m["host"].to_display().c_str(),
                m["state"].to_display().c_str(), m["restarted"].boolean() ? "yes" : "no",
                modes_of(m).c_str(), m["program"].to_display().c_str());
  }
}

void print_status_table(const JsonValue& s) {
  std::printf("coordinator:  %s\n", s["coordinator"].to_display().c_str());
  std::printf("job:          %s\n", s["job_id"].to_display().c_str());
  std::printf("state:        %s\n", s["state"].to_display().c_str());
  std::printf("generation:   %s  %s\n", s["generation"].to_display().c_str(),
              s["last_generation_dir"].string().c_str());
  std::printf("ckptdir:      %s\n", s["ckptdir"].to_display().c_str());
  std::printf("interval:     %s s (0 = off)\n", s["interval"].to_display().c_str());
  const JsonValue& last = s["last_checkpoint"];
  if (last.is_object()) {
    std::printf("last checkpoint: generation %s in %s s\n", last["generation"].to_display().c_str(),
                last["seconds"].to_display().c_str());
  }
  std::printf("members:      %zu\n", s["members"].items().size());
  if (!s["members"].items().empty()) {
    print_members(s["members"]);
  }
}

// Prints a successful reply in the form each action promises.
int print_reply(const ClientOptions& opts, const std::string& text, const JsonValue& reply) {
  if (opts.json) {
    std::printf("%s\n", text.c_str());
    return 0;
  }
  switch (opts.action) {
    case ClientAction::kCheckpoint:
      if (opts.wait) {
        std::printf("%s\n", reply["dir"].to_display().c_str());
      } else {
        std::printf("checkpoint started: generation %s\n",
                    reply["generation"].to_display().c_str());
      }
      break;
    case ClientAction::kStatus: print_status_table(reply); break;
    case ClientAction::kKill:
      std::printf("killed %s process(es)\n", reply["killed"].to_display().c_str());
      break;
    case ClientAction::kInterval:
      std::printf("checkpoint interval set to %lld s\n", static_cast<long long>(opts.interval));
      break;
    case ClientAction::kQuit: std::printf("coordinator quit\n"); break;
  }
  return 0;
}

const char* footer_for(ClientAction action) {
  switch (action) {
    case ClientAction::kCheckpoint:
      return "Examples:\n  ckpt checkpoint --wait          # prints the committed generation dir\n"
             "  ckpt checkpoint --wait --kill --json --coord-port 7780";
    case ClientAction::kStatus: return "Example:\n  ckpt status --json --coord-port 7780";
    case ClientAction::kKill: return "Example:\n  ckpt kill --coord-port 7780";
    case ClientAction::kInterval: return "Example:\n  ckpt interval 600    # 0 turns it off";
    case ClientAction::kQuit: return "Example:\n  ckpt quit --coord-port 7780";
  }
  return "";
}

}  // namespace

void add_client_options(CLI::App* app, ClientOptions& opts, ClientAction action) {
  opts.action = action;
  add_coord_flags(app, opts.coord, Spelling::kCkpt);
  if (action == ClientAction::kCheckpoint) {
    app->add_flag("-w,--wait", opts.wait, "wait until the generation is committed, print its dir");
    app->add_flag("--kill", opts.kill_after, "kill the computation once the generation is committed");
    app->add_flag("--forked", opts.forked,
                  "write the images from copy-on-write children; the processes resume at once");
    app->add_flag("--incremental", opts.incremental,
                  "store only pages changed since the previous generation (others by reference)");
    app->add_flag("--compress", opts.compress, "zstd-compress the page data");
    app->add_flag("--compress-lz4", opts.compress_lz4,
                  "lz4-compress the page data (faster than zstd, larger images)");
    app->add_option("--timeout", opts.timeout, "give up waiting after S seconds (default: never)")
        ->check(CLI::Range(0, 1000000000));
  }
  if (action == ClientAction::kInterval) {
    app->add_option("SECONDS", opts.interval, "seconds between checkpoints, 0 = off")
        ->required()
        ->check(CLI::Range(0, 1000000000));
  }
  if (action != ClientAction::kInterval && action != ClientAction::kQuit) {
    app->add_flag("--json", opts.json, "print the coordinator's JSON reply");
  }
  app->footer(footer_for(action));
}

int run_client(ClientOptions& opts) {
  const char* cmd = action_name(opts.action);
  Result<CoordAddress> addr = resolve_coord_address(opts.coord);
  if (!addr.is_ok()) {
    return fail(cmd, addr.status());
  }
  Result<CommandReply> reply = send_command(addr.value(), request_for(opts));
  if (!reply.is_ok()) {
    if (reply.status().code() == Code::kUnavailable) {
      return fail(cmd, Status(Code::kUnavailable,
                              reply.status().message() + msg::start_coordinator_hint()));
    }
    return fail(cmd, reply.status());
  }
  const CommandReply& r = reply.value();
  Result<JsonValue> json = JsonValue::parse(r.text.empty() ? "{}" : r.text);
  if (r.status != 0) {
    std::string reason = json.is_ok() ? json.value()["error"].string(r.text) : r.text;
    return fail(cmd, Status(Code::kUnavailable, msg::command_failed(reason)));
  }
  if (!json.is_ok() && !opts.json) {
    return fail(cmd, Status(Code::kCorrupt, msg::bad_reply(addr.value().str())));
  }
  return print_reply(opts, r.text, json.is_ok() ? json.value() : JsonValue());
}

}  // namespace ckpt::launcher
