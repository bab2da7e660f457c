// tests/unit/image/deleted_map_test.cc: which maps paths the restart loader re-creates as
// a deleted file (image/deleted_map.h), shared by the loader and core/shared_memory.cc.
#include "image/deleted_map.h"

#include <gtest/gtest.h>

namespace {

using ckpt::image::is_recreated_deleted_file;

TEST(DeletedMap, DeletedFilesAndMemfdsAreRecreated) {
  EXPECT_TRUE(is_recreated_deleted_file("/dev/shm/sem.kF5fD9 (deleted)"));
  EXPECT_TRUE(is_recreated_deleted_file("/dev/shm/pym-32210-pkn6049h (deleted)"));
  EXPECT_TRUE(is_recreated_deleted_file("/tmp/a b/c (deleted)"));
  EXPECT_TRUE(is_recreated_deleted_file("/memfd:ckpt-test (deleted)"));
}

TEST(DeletedMap, AnonymousSysvAndLiveFilesAreNot) {
  EXPECT_FALSE(is_recreated_deleted_file("/dev/zero (deleted)"));
  EXPECT_FALSE(is_recreated_deleted_file("/SYSV0000002a (deleted)"));
  EXPECT_FALSE(is_recreated_deleted_file("/dev/shm/sem.name"));
  EXPECT_FALSE(is_recreated_deleted_file("[anon:x] (deleted)"));
  EXPECT_FALSE(is_recreated_deleted_file(""));
}

}  // namespace
