#include "bcemb/model/adam.h"

#include <gtest/gtest.h>

#include "bcemb/model/module_state.h"

namespace bcemb {
namespace {

// Parameters after several steps (two groups with their own learning rates,
// one parameter without a gradient in some steps) equal libtorch's Adam's.
TEST(FusedAdam, StepsAsLibtorchAdam) {
  torch::manual_seed(2);
  const auto a0 = torch::randn({300, 7}), b0 = torch::randn({5});
  auto run = [&](bool fused) {
    auto a = a0.clone().requires_grad_(true), b = b0.clone().requires_grad_(true);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<torch::Tensor>{a}, std::make_unique<torch::optim::AdamOptions>(1e-2));
    groups.emplace_back(std::vector<torch::Tensor>{b}, std::make_unique<torch::optim::AdamOptions>(3e-2));
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (fused)
      opt = std::make_unique<FusedAdam>(std::move(groups), torch::optim::AdamOptions(1e-3));
    else
      opt = std::make_unique<torch::optim::Adam>(std::move(groups), torch::optim::AdamOptions(1e-3));
    for (int s = 0; s < 6; ++s) {
      opt->zero_grad();
      auto loss = (a * a).sum() * 0.01 + (a.sum(1) - 1).pow(2).sum();
      if (s % 2 == 0) loss = loss + (b * a.narrow(1, 0, 5).sum(0)).sum();
      loss.backward();
      if (s % 2 == 1) b.mutable_grad().reset();  // no gradient this step: not updated
      opt->step();
    }
    return std::make_pair(a.detach(), b.detach());
  };
  const auto f = run(true), t = run(false);
  EXPECT_FALSE(torch::equal(f.first, a0));
  EXPECT_TRUE(torch::allclose(f.first, t.first, 1e-5, 1e-6)) << (f.first - t.first).abs().max().item<float>();
  EXPECT_TRUE(torch::allclose(f.second, t.second, 1e-5, 1e-6)) << (f.second - t.second).abs().max().item<float>();
}

// What it does not fuse (here amsgrad) it leaves to libtorch's step.
TEST(FusedAdam, AmsgradAsLibtorchAdam) {
  auto run = [](bool fused) {
    auto w = torch::linspace(-1, 1, 10).requires_grad_(true);
    const auto opts = torch::optim::AdamOptions(0.1).amsgrad(true);
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (fused)
      opt = std::make_unique<FusedAdam>(std::vector<torch::Tensor>{w}, opts);
    else
      opt = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{w}, opts);
    for (int s = 0; s < 4; ++s) {
      opt->zero_grad();
      (w.pow(3).sum() * (s % 2 == 0 ? 1.0 : -0.1)).backward();
      opt->step();
    }
    return w.detach();
  };
  EXPECT_TRUE(torch::equal(run(true), run(false)));
}

// Each call leaves this loss's gradient (not a sum over calls); a parameter
// the loss does not reach gets zeros, as after zero_grad().
TEST(BackwardFresh, GradientsOfThisLossOnly) {
  auto a = torch::ones({3}).requires_grad_(true), b = torch::ones({2}).requires_grad_(true);
  torch::optim::SGD opt(std::vector<torch::Tensor>{a, b}, torch::optim::SGDOptions(0.1));
  backward_fresh((a * b.sum()).sum(), opt);
  backward_fresh((a * 3).sum(), opt);
  EXPECT_TRUE(torch::equal(a.grad(), torch::full({3}, 3.0f)));
  ASSERT_TRUE(b.grad().defined());
  EXPECT_TRUE(torch::equal(b.grad(), torch::zeros({2})));
}

}  // namespace
}  // namespace bcemb
