// tests/unit/image/node_local_test.cc: which paths are node-local (saved by default,
// written back on another host) and the directory maker the loader and libckpt use to put
// a file back under a missing /tmp/ompi.../ tree (image/node_local.h).
#include "image/node_local.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace {

using ckpt::image::is_node_local;
using ckpt::image::make_parent_dirs;

TEST(NodeLocal, TmpAndDevShmOnly) {
  EXPECT_TRUE(is_node_local("/tmp/ompi.n1.0/pid.7/hwloc.sm"));
  EXPECT_TRUE(is_node_local("/dev/shm/vader_segment.n1.0.1"));
  EXPECT_FALSE(is_node_local("/tmp"));
  EXPECT_FALSE(is_node_local("/tmpfoo/x"));
  EXPECT_FALSE(is_node_local("/var/tmp/x"));
  EXPECT_FALSE(is_node_local("/home/u/out.log"));
  EXPECT_FALSE(is_node_local("/dev/shmx/y"));
}

TEST(NodeLocal, MakesEveryMissingParentPrivate) {
  char tmpl[] = "/tmp/ckpt-test-nodelocal-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string base = tmpl;
  std::string file = base + "/a/b/c/file";
  EXPECT_EQ(make_parent_dirs(file.c_str()), 0);
  struct stat st;
  ASSERT_EQ(stat((base + "/a/b/c").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 077, 0u);  // 0700 (less the umask)
  EXPECT_NE(stat(file.c_str(), &st), 0);  // the file itself is not made
  EXPECT_EQ(make_parent_dirs(file.c_str()), 0);  // existing dirs are fine
  ASSERT_EQ(close(creat((base + "/x").c_str(), 0600)), 0);
  EXPECT_EQ(make_parent_dirs((base + "/x/y/z").c_str()), -20);  // ENOTDIR: a file is in the way
  EXPECT_EQ(system(("rm -rf " + base).c_str()), 0);
}

}  // namespace
