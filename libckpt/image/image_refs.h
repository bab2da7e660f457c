// libckpt/image/image_refs.h: the reference table of incremental images (RefRun): pages
// unchanged since an earlier generation are read from that generation's image. Host side
// only (allocates).
#pragma once

#include <string>
#include <vector>

#include "ckpt/status.h"
#include "libckpt/image/image_file.h"
#include "libckpt/image/image_reader.h"

namespace ckpt::image {

// Reads ImageHeader's reference table and source list into info->refs / info->sources and
// checks their structure (and the table's CRC when verifying).
Status read_references(const ImageFile& file, const std::string& strings, bool verify,
                       ImageInfo* info);

// Checks every referenced page range against its CRC in the source image (<job_dir>/<source>).
Status verify_references(const ImageFile& file, const ImageInfo& info);

}  // namespace ckpt::image
