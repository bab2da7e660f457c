// libckpt/core/region_writer.h: writes the page data, tables and header of an image.
// Checkpoint path: yes.
#pragma once

#include "core/image_scratch.h"
#include "core/memory_image.h"

namespace ckpt {

long write_image_file(const ImageRequest& req, ImageScratch& s, ImageResult* result);

}  // namespace ckpt
