// libckpt/core/region_writer.h: writes the page data, tables and header of an image.
// Checkpoint path: yes.
#pragma once

#include "core/image_scratch.h"
#include "core/memory_image.h"

namespace ckpt {

long write_image_file(const ImageRequest& req, ImageScratch& s, ImageResult* result);
// Registers the image of `req` as a page source of the incremental index and returns its
// number (write_image_file does it; a forked writer's parent does it again to apply the
// child's index updates to its own index).
uint32_t register_page_source(const ImageRequest& req);

}  // namespace ckpt
