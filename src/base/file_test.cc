#include "base/file.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace vigil::fs {
namespace {

TEST(FileTest, TempDirIsRemovedWithItsContents) {
  std::string path;
  {
    TempDir d("vigil-file-test");
    path = d.path();
    ASSERT_TRUE(CreateDirs(d.Join("a/b")).ok());
    ASSERT_TRUE(WriteFileAtomic(d.Join("a/b/f"), "x").ok());
    EXPECT_TRUE(IsDir(path));
  }
  EXPECT_FALSE(Exists(path));
}

TEST(FileTest, AppendFlushAndMmap) {
  TempDir tmp("vigil-file-test");
  const std::string& dir = tmp.path();
  std::string path = Join(dir, "f");
  {
    auto f = WritableFile::Create(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE((*f)->Append("hello ").ok());
    ASSERT_TRUE((*f)->Append(std::string(300000, 'x')).ok());
    EXPECT_EQ((*f)->Size(), 300006u);
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  auto m = MmapFile::Open(path);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->size(), 300006u);
  EXPECT_EQ((*m)->data().substr(0, 6), "hello ");
  EXPECT_EQ(*DirSize(dir), 300006u);
}

TEST(FileTest, WriteFileAtomicReplacesContent) {
  TempDir tmp("vigil-file-test");
  const std::string& dir = tmp.path();
  std::string path = Join(dir, "meta.json");
  ASSERT_TRUE(WriteFileAtomic(path, "one").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "two").ok());
  EXPECT_EQ(*ReadFile(path), "two");
  EXPECT_FALSE(Exists(path + ".tmp"));
}

TEST(FileTest, EmptyFileMapsToEmptyView) {
  TempDir tmp("vigil-file-test");
  const std::string& dir = tmp.path();
  std::string path = Join(dir, "empty");
  ASSERT_TRUE(WriteFileAtomic(path, "").ok());
  auto m = MmapFile::Open(path);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE((*m)->data().empty());
}

TEST(FileTest, SecondLockOnSameFileFails) {
  TempDir tmp("vigil-file-test");
  const std::string& dir = tmp.path();
  auto a = FileLock::Acquire(Join(dir, "lock"));
  ASSERT_TRUE(a.ok());
  auto b = FileLock::Acquire(Join(dir, "lock"));
  EXPECT_FALSE(b.ok());
  EXPECT_TRUE(b.status().IsUnavailable());
}

TEST(FileTest, ListDirIsSorted) {
  TempDir tmp("vigil-file-test");
  const std::string& dir = tmp.path();
  for (const char* n : {"c", "a", "b"}) ASSERT_TRUE(WriteFileAtomic(Join(dir, n), "").ok());
  auto names = ListDir(dir);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace vigil::fs
