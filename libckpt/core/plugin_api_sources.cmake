# Sources of the plugin API inside libckpt.so (owned by the plugin API work).
set(CKPT_PLUGIN_API_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/core/events.cc)
