#include "bcemb/util/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace bcemb {
namespace {

// The advice may move an array onto other pages (MADV_COLLAPSE copies them):
// what was there must stay, and the memory around it must be untouched.
TEST(HugePages, ContentsAndNeighboursUnchanged) {
  std::vector<uint32_t> big(80u << 18);  // 80 MiB, not 2 MiB-aligned in general
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint32_t>(i * 2654435761u);
  use_huge_pages(big.data() + 3, (big.size() - 6) * sizeof(uint32_t));
  for (size_t i = 0; i < big.size(); ++i) ASSERT_EQ(big[i], static_cast<uint32_t>(i * 2654435761u)) << i;
  big[12345] = 7;  // still writable
  EXPECT_EQ(big[12345], 7u);
  std::vector<float> small(1000, 1.5f);
  use_huge_pages(small.data(), small.size() * sizeof(float));  // under the threshold: left alone
  use_huge_pages(nullptr, 1u << 30);
  EXPECT_EQ(small[999], 1.5f);
}

}  // namespace
}  // namespace bcemb
