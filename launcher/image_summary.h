// launcher/image_summary.h: human-readable views of an image for `ckpt inspect` (without
// --json), and the short per-image JSON object used when inspecting a generation.
#pragma once

#include <string>

#include "libckpt/image/image_reader.h"
#include "libckpt/image/json_writer.h"

namespace ckpt::launcher {

// Header, regions, threads and sections as aligned text.
std::string image_summary_text(const image::ImageInfo& info);
// One line: "vpid 1 pid 123 host vm program /usr/bin/x: 5 threads, 40 regions, 12.0 MiB".
std::string image_summary_line(const image::ImageInfo& info);
// Header summary fields (vpid, parent_vpid, pid, host, program, generation, ...) into an open
// JSON object.
void write_image_summary_json(JsonWriter& w, const image::ImageInfo& info);

}  // namespace ckpt::launcher
