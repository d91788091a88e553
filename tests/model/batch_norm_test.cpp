#include "bcemb/model/batch_norm.h"

#include <gtest/gtest.h>

#include "bcemb/util/error.h"

namespace bcemb {
namespace {

// Output, gradients (x, weight, bias) and running statistics after two
// batches equal libtorch's BatchNorm1d in training mode (followed by ReLU),
// with a momentum and with the cumulative average.
TEST(BatchNormTrain, EqualsLibtorchBatchNormAndRelu) {
  for (const bool relu : {false, true}) {
    for (const bool cumulative : {false, true}) {
      torch::manual_seed(4);
      auto opts = torch::nn::BatchNorm1dOptions(6);
      if (cumulative) opts.momentum(c10::nullopt);
      torch::nn::BatchNorm1d fused(opts), ref(opts);
      fused->train();
      ref->train();
      for (auto* bn : {&fused, &ref}) {
        torch::NoGradGuard no_grad;
        (*bn)->weight.copy_(torch::linspace(0.5, 2, 6));
        (*bn)->bias.copy_(torch::linspace(-1, 1, 6));
      }
      for (int batch = 0; batch < 2; ++batch) {
        const auto x0 = torch::randn({1100, 6}) * 3 + 1;  // more than one block of rows
        const auto up = torch::randn({1100, 6});
        const auto x1 = x0.clone().requires_grad_(true), x2 = x0.clone().requires_grad_(true);
        const auto y1 = batch_norm_train(*fused, x1, relu);
        auto y2 = ref->forward(x2);
        if (relu) y2 = torch::relu(y2);
        EXPECT_TRUE(torch::allclose(y1, y2, 1e-4, 1e-5)) << (y1 - y2).abs().max().item<float>();
        const auto g1 = torch::autograd::grad({(y1 * up).sum()}, {x1, fused->weight, fused->bias});
        const auto g2 = torch::autograd::grad({(y2 * up).sum()}, {x2, ref->weight, ref->bias});
        for (size_t i = 0; i < g1.size(); ++i)
          EXPECT_TRUE(torch::allclose(g1[i], g2[i], 1e-3, 1e-4)) << i << ": " << (g1[i] - g2[i]).abs().max().item<float>();
      }
      EXPECT_TRUE(torch::allclose(fused->running_mean, ref->running_mean, 1e-5, 1e-6));
      EXPECT_TRUE(torch::allclose(fused->running_var, ref->running_var, 1e-5, 1e-6));
      EXPECT_EQ(fused->num_batches_tracked.item<int64_t>(), 2);
    }
  }
}

TEST(BatchNormTrain, RejectsBadInput) {
  torch::nn::BatchNorm1d bn(4);
  EXPECT_THROW(batch_norm_train(*bn, torch::zeros({1, 4}), false), Error);  // one row: no batch statistics
  EXPECT_THROW(batch_norm_train(*bn, torch::zeros({5, 3}), false), Error);  // wrong width
}

}  // namespace
}  // namespace bcemb
