#include "bcemb/compat/composition.h"

#include <gtest/gtest.h>

#include "bcemb/util/error.h"
#include "bcemb/util/rng.h"

namespace bcemb {
namespace {

Matrix random_matrix(int64_t r, int64_t c, uint64_t seed) {
  Rng rng(seed);
  Matrix m(r, c);
  for (auto& x : m.data) x = static_cast<float>(rng.normal());
  return m;
}

TransformChain chain_4_5_6_3() {
  TransformChain c(4);
  c.push(random_matrix(4, 5, 1));  // B_1: d0=4 x d1=5
  c.push(random_matrix(5, 6, 2));  // B_2
  c.push(random_matrix(6, 3, 3));  // B_3 (a newer version may even be narrower with a linear map)
  return c;
}

TEST(Composition, ComposedMatrixEqualsStepByStepChain) {
  const TransformChain c = chain_4_5_6_3();
  const Matrix z = random_matrix(7, 3, 4);
  for (int to = 0; to <= 3; ++to) {
    const Matrix fast = c.apply(z, 3, to);
    const Matrix slow = c.apply_chain(z, 3, to);
    ASSERT_EQ(fast.rows, 7);
    ASSERT_EQ(fast.cols, c.dim(to));
    for (size_t i = 0; i < fast.data.size(); ++i) EXPECT_NEAR(fast.data[i], slow.data[i], 1e-4) << "to " << to;
  }
  // cached: the same object comes back
  EXPECT_EQ(&c.composed(3, 0), &c.composed(3, 0));
  const Matrix& id = c.composed(2, 2);
  EXPECT_EQ(id.rows, 6);
  EXPECT_FLOAT_EQ(id.at(5, 5), 1.0f);
  EXPECT_FLOAT_EQ(id.at(5, 4), 0.0f);
}

TEST(Composition, BadRequestsAreClearErrors) {
  TransformChain c = chain_4_5_6_3();
  EXPECT_THROW(c.composed(1, 2), Error);  // j > k
  EXPECT_THROW(c.composed(4, 0), Error);  // no version 4
  EXPECT_THROW(c.composed(-1, 0), Error);
  EXPECT_THROW(c.apply(random_matrix(2, 5, 5), 3, 0), Error);  // version 3 has dim 3
  try {
    c.push(random_matrix(4, 4, 6));  // version 3 has dim 3, not 4
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("B_4"), std::string::npos);
  }
}

TEST(Composition, TruncationAndIdentity) {
  const Matrix t = truncation_matrix(2, 3);
  Matrix z(1, 3);
  z.data = {1, 2, 3};
  const Matrix out = matmul_bt(z, t);
  EXPECT_EQ(out.data, (std::vector<float>{1, 2}));
  EXPECT_THROW(truncation_matrix(3, 2), Error);
}

}  // namespace
}  // namespace bcemb
