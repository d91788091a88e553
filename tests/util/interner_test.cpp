#include "bcemb/util/interner.h"

#include <gtest/gtest.h>

#include <string>

namespace bcemb {
namespace {

TEST(Interner, DenseIdsInOrderOfFirstSightAcrossGrowth) {
  Interner in;
  EXPECT_EQ(in.find("x"), -1);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(in.intern("id" + std::to_string(i)), i);
  for (int i = 4999; i >= 0; --i) ASSERT_EQ(in.intern("id" + std::to_string(i)), i);  // seen: same id
  EXPECT_EQ(in.size(), 5000);
  EXPECT_EQ(in.name(1234), "id1234");
  EXPECT_EQ(in.find("id77"), 77);
  EXPECT_EQ(in.find("id5000"), -1);
  EXPECT_EQ(in.intern(""), 5000);  // the empty string is a key like any other
  EXPECT_EQ(in.find(""), 5000);
}

}  // namespace
}  // namespace bcemb
