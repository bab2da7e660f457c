# libckpt/include/sdk_install_test.cmake (ctest plugin/sdk_install): installs the headers,
# the CMake package and ckpt.pc into a scratch prefix (cmake --install of libckpt/include),
# then builds the seed's example plugin with `gcc -shared -fPIC $(pkg-config --cflags ckpt)`
# and with a CMake project that calls find_package(ckpt) and links ckpt::plugin.
set(prefix ${BUILD_DIR}/sdk-test/prefix)
file(REMOVE_RECURSE ${BUILD_DIR}/sdk-test)
foreach(dir libckpt/include)
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR}/${dir} --prefix ${prefix}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install of ${dir} failed")
  endif()
endforeach()
set(src ${SOURCE_DIR}/tests/plugin/plugins/example.c)
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig
                        pkg-config --cflags ckpt
                OUTPUT_VARIABLE cflags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT cflags MATCHES "include")
  message(FATAL_ERROR "pkg-config --cflags ckpt failed: '${cflags}'")
endif()
separate_arguments(cflags UNIX_COMMAND "${cflags}")
execute_process(COMMAND gcc -shared -fPIC ${cflags} -o ${BUILD_DIR}/sdk-test/p.so ${src}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gcc with pkg-config flags failed")
endif()
file(WRITE ${BUILD_DIR}/sdk-test/proj/CMakeLists.txt
"cmake_minimum_required(VERSION 3.25)\nproject(p C)\nfind_package(ckpt REQUIRED)\n"
"add_library(p MODULE ${src})\ntarget_link_libraries(p PRIVATE ckpt::plugin)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${BUILD_DIR}/sdk-test/proj
                -B ${BUILD_DIR}/sdk-test/proj/build -DCMAKE_PREFIX_PATH=${prefix}
                RESULT_VARIABLE rc)
if(rc EQUAL 0)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR}/sdk-test/proj/build
                  RESULT_VARIABLE rc)
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "find_package(ckpt) project failed to build")
endif()
message(STATUS "sdk install test passed")
