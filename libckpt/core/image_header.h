// libckpt/core/image_header.h: fills the identity part of an image header and seals it.
// Checkpoint path: yes.
#pragma once

#include "core/memory_image.h"
#include "image/image_format.h"

namespace ckpt {

// Sets every identity field and finally header_crc; the table fields must be set before.
void fill_image_header(const ImageRequest& req, image::ImageHeader* h);

}  // namespace ckpt
