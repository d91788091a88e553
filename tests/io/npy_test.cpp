#include "bcemb/io/npy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "bcemb/io/atomic_file.h"
#include "bcemb/util/error.h"
#include "test_util.h"

namespace bcemb {
namespace {

TEST(Npy, RoundTripsFloatMatrix) {
  test::TempDir dir;
  Matrix m(3, 5);
  for (int64_t i = 0; i < 15; ++i) m.data[i] = static_cast<float>(i) * 0.5f - 2.0f;
  write_matrix_npy(dir / "m.npy", m);
  const Matrix back = read_matrix_npy(dir / "m.npy");
  EXPECT_EQ(back.rows, 3);
  EXPECT_EQ(back.cols, 5);
  EXPECT_EQ(back.data, m.data);
}

TEST(Npy, HeaderIsPaddedTo64Bytes) {
  const float x = 1.0f;
  const std::string b = npy_bytes(&x, {1, 1}, "<f4");
  EXPECT_EQ((b.size() - 4) % 64, 0u);
  EXPECT_EQ(b[b.size() - 5], '\n');
}

TEST(Npy, TruncatedFileIsAnErrorNamingTheFile) {
  test::TempDir dir;
  Matrix m(4, 4);
  write_matrix_npy(dir / "t.npy", m);
  std::string bytes = read_file(dir / "t.npy");
  bytes.resize(bytes.size() - 3);
  write_file_atomic(dir / "t.npy", bytes);
  try {
    read_matrix_npy(dir / "t.npy");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.npy"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
  }
}

TEST(Npy, RejectsBadMagicAndWrongDtype) {
  test::TempDir dir;
  write_file_atomic(dir / "x.npy", "not numpy at all");
  EXPECT_THROW(read_npy(dir / "x.npy"), Error);
  const int64_t v[2] = {1, 2};
  write_npy_i64(dir / "i.npy", v, {2});
  EXPECT_EQ(read_npy(dir / "i.npy").i64()[1], 2);
  EXPECT_THROW(read_matrix_npy(dir / "i.npy"), Error);
}

// Found by fuzzing: shape sizes that overflow int64 or their product.
TEST(Npy, HugeShapeIsAnErrorNotAnOverflow) {
  test::TempDir dir;
  const float x = 1.0f;
  for (const std::string shape : {"99999999999999999999999, 1", "4294967296, 4294967296"}) {
    std::string b = npy_bytes(&x, {1, 1}, "<f4");
    const auto at = b.find("(1, 1)");
    ASSERT_NE(at, std::string::npos);
    const size_t grow = shape.size() + 2 - 6;
    b.replace(at, 6, "(" + shape + ")");
    const size_t newline = b.find('\n');  // the header keeps its length: take the growth off its padding
    ASSERT_EQ(b.substr(newline - grow, grow), std::string(grow, ' '));
    b.erase(newline - grow, grow);
    write_file_atomic(dir / "h.npy", b);
    EXPECT_THROW(read_npy(dir / "h.npy"), Error) << shape;
  }
}

TEST(AtomicFile, UncommittedWriteLeavesTheOldFile) {
  test::TempDir dir;
  write_file_atomic(dir / "f", "old");
  {
    AtomicFile f(dir / "f");
    f.write("new content");
  }  // destroyed without commit
  EXPECT_EQ(read_file(dir / "f"), "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.str()), std::filesystem::directory_iterator()), 1);
}

}  // namespace
}  // namespace bcemb
