// launcher/plugin_check.h: an image lists the plugins its process had loaded (section
// "core.plugins": "name order kind path" lines). Restart refuses an image whose plugin
// library is not available on this host, naming the plugin, before anything is started.
#pragma once

#include "ckpt/status.h"
#include "libckpt/image/image_reader.h"

namespace ckpt::launcher {

Status check_plugins_available(const image::ImageInfo& info);

}  // namespace ckpt::launcher
