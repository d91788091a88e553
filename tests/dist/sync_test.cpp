// Data-parallel building blocks, with ranks as threads of this process over
// an in-memory allreduce: synchronised BatchNorm and sharded inference must
// compute what one process computes on all rows.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "bcemb/dist/sync_batch_norm.h"
#include "bcemb/model/pinsage.h"
#include "bcemb/train/version_fit.h"
#include "synthetic_version.h"

namespace bcemb {
namespace {

// The ranks' meeting point: each allreduce waits for all of them.
struct Hub {
  explicit Hub(int w) : world(w) {}
  std::mutex m;
  std::condition_variable cv;
  int world, arrived = 0, round = 0;
  torch::Tensor sum, result;
};

class ThreadRank : public dist::Collective {
 public:
  ThreadRank(Hub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int world_size() const override { return hub_.world; }
  uint64_t bytes_reduced() const override { return 0; }
  uint64_t allreduce_calls() const override { return 0; }
  double allreduce_seconds() const override { return 0; }
  void allreduce_sum(at::Tensor& t) override {
    std::unique_lock<std::mutex> lock(hub_.m);
    hub_.sum = hub_.arrived == 0 ? t.clone() : hub_.sum + t;
    const int round = hub_.round;
    if (++hub_.arrived == hub_.world) {
      hub_.result = hub_.sum;
      hub_.arrived = 0;
      ++hub_.round;
      hub_.cv.notify_all();
    } else {
      hub_.cv.wait(lock, [&] { return hub_.round != round; });
    }
    t.copy_(hub_.result);
  }
  void barrier() override {
    auto t = torch::zeros({1});
    allreduce_sum(t);
  }
  void agree(const std::string&, const std::string&) override {}

 private:
  Hub& hub_;
  int rank_;
};

template <class F>
void on_ranks(int world, F&& f) {
  Hub hub(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      ThreadRank rank(hub, r);
      f(rank);
    });
  for (auto& t : threads) t.join();
}

torch::nn::BatchNorm1d make_bn(int64_t d) {
  torch::manual_seed(3);
  torch::nn::BatchNorm1d bn(d);
  torch::NoGradGuard no_grad;
  bn->weight.uniform_(0.5, 1.5);
  bn->bias.uniform_(-1, 1);
  return bn;
}

// Two ranks with 7 and 6 rows normalise as one BatchNorm over the 13 rows:
// outputs, input gradients, summed parameter gradients and running statistics.
TEST(SyncBatchNorm, TwoRanksEqualOneBatchNormOverAllRows) {
  torch::manual_seed(11);
  const auto x = torch::randn({13, 5}) * 3 + 1;
  const auto w = torch::randn({13, 5});  // the loss: sum(w * y)
  auto ref_bn = make_bn(5);
  ref_bn->train();
  const auto xr = x.clone().requires_grad_(true);
  const auto yr = ref_bn->forward(xr);
  (yr * w).sum().backward();

  std::vector<torch::Tensor> y(2), gx(2), gw(2), gb(2), rm(2), rv(2);
  const int64_t cut[] = {0, 7, 13};
  std::vector<torch::nn::BatchNorm1d> bns{make_bn(5), make_bn(5)};
  on_ranks(2, [&](dist::Collective& c) {
    const int r = c.rank();
    auto& bn = bns[r];
    bn->train();
    const auto xi = x.narrow(0, cut[r], cut[r + 1] - cut[r]).clone().requires_grad_(true);
    const auto yi = dist::sync_batch_norm(*bn, xi, c);
    (yi * w.narrow(0, cut[r], cut[r + 1] - cut[r])).sum().backward();
    y[r] = yi.detach();
    gx[r] = xi.grad();
    gw[r] = bn->weight.grad();
    gb[r] = bn->bias.grad();
    rm[r] = bn->running_mean.clone();
    rv[r] = bn->running_var.clone();
  });
  EXPECT_TRUE(torch::allclose(torch::cat(y), yr.detach(), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(torch::cat(gx), xr.grad(), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(gw[0] + gw[1], ref_bn->weight.grad(), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(gb[0] + gb[1], ref_bn->bias.grad(), 1e-5, 1e-5));
  for (int r = 0; r < 2; ++r) {
    EXPECT_TRUE(torch::allclose(rm[r], ref_bn->running_mean, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(rv[r], ref_bn->running_var, 1e-5, 1e-6));
  }
}

// Each rank embeds a third of the nodes per layer; all get the full table.
TEST(SyncBatchNorm, ShardedInferenceEqualsOneProcess) {
  test::SyntheticVersion f(test::synthetic_size(60, 40, 600), 0.7, 1.0);
  auto make_model = [&] {
    torch::manual_seed(5);
    PinSage m(PinSageConfig{8, 3, f.schema.table_rows()});
    m->train();
    m->forward(f.vg->full_plan(3));  // running statistics as after training
    return m;
  };
  auto ref = make_model();
  const auto z = ref->infer(f.vg->plans, nullptr, 16);
  // Made here: torch's global generator is not for concurrent seeding.
  std::vector<PinSage> models{make_model(), make_model(), make_model()};
  std::vector<torch::Tensor> out(3);
  on_ranks(3, [&](dist::Collective& c) { out[c.rank()] = models[c.rank()]->infer(f.vg->plans, &c, 16); });
  // Chunks start at other rows, so BLAS may round differently: not bitwise.
  for (const auto& o : out) EXPECT_TRUE(torch::allclose(o, z, 1e-5, 1e-6)) << (o - z).abs().max().item<double>();
}

}  // namespace
}  // namespace bcemb
