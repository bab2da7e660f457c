# Sources of the plugin API inside libckpt.so (owned by the plugin API work).
set(CKPT_PLUGIN_API_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/core/events.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/plugin_registry.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/plugin_discovery.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/plugin_messages.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/plugin_watchdog.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/plugin_sections.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/kv_client.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/id_table.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/region_skip.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/app_api.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/dmtcp_api.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/thread_wrappers.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/core/exec_wrappers.cc)
