#include "bcemb/consumer/mlp.h"

#include <gtest/gtest.h>

#include "bcemb/eval/roc_auc.h"
#include "bcemb/util/error.h"
#include "bcemb/util/jobs.h"
#include "bcemb/util/threads.h"

namespace bcemb {
namespace {

// Labels planted in the first feature.
void planted(int64_t n, torch::Tensor& x, torch::Tensor& y, uint64_t seed) {
  torch::manual_seed(seed);
  x = torch::randn({n, 8});
  y = (x.select(1, 0) + 0.3 * torch::randn({n}) > 0).to(torch::kFloat);
}

TEST(Consumer, LearnsAPlantedSignal) {
  torch::Tensor x, y, xs, ys;
  planted(600, x, y, 1);
  planted(200, xs, ys, 2);
  ConsumerTraining tr;
  tr.epochs = 15;
  tr.batch_size = 64;
  const TrainedConsumer c = train_consumer({8, 16, 0.0}, tr, DenseFeatures(x), y, DenseFeatures(xs), ys);
  EXPECT_GT(c.selection_auc, 0.9);
  EXPECT_GE(c.best_epoch, 1);
}

ConsumerTraining short_training(uint64_t seed) {
  ConsumerTraining tr;
  tr.epochs = 3;
  tr.batch_size = 64;
  tr.seed = seed;
  return tr;
}

TEST(Consumer, SavedAndLoadedGivesIdenticalPredictions) {
  torch::Tensor x, y;
  planted(300, x, y, 3);
  TrainedConsumer c = train_consumer({8, 16, 0.25}, short_training(0), DenseFeatures(x), y, DenseFeatures(x), y);
  const std::string bytes = save_consumer(c.model);
  ConsumerMlp back = load_consumer({8, 16, 0.25}, bytes, "memory");
  EXPECT_EQ(predict(c.model, DenseFeatures(x)), predict(back, DenseFeatures(x)));
  EXPECT_THROW(load_consumer({8, 32, 0.25}, bytes, "memory"), Error);  // wrong architecture
}

// Dropout draws from the model's own generator: consumers trained side by
// side (as the experiment's tasks are) equal those trained one at a time.
TEST(Consumer, TrainingSideBySideIsReproducible) {
  torch::Tensor x, y;
  planted(300, x, y, 4);
  auto one = [&](uint64_t seed) {
    TrainedConsumer c = train_consumer({8, 16, 0.5}, short_training(seed), DenseFeatures(x), y, DenseFeatures(x), y);
    return predict(c.model, DenseFeatures(x));
  };
  const ScopedThreads one_thread(1);  // the same arithmetic alone and side by side
  const auto alone0 = one(0), alone1 = one(1);
  EXPECT_NE(alone0, alone1);
  std::vector<std::vector<float>> side(4);
  run_jobs(4, 4, [] { set_threads(1); }, [&](int64_t i) { side[static_cast<size_t>(i)] = one(static_cast<uint64_t>(i % 2)); });
  EXPECT_EQ(side[0], alone0);
  EXPECT_EQ(side[1], alone1);
  EXPECT_EQ(side[2], alone0);
  EXPECT_EQ(side[3], alone1);
}

// Scores come a block of rows at a time; together they are one pass's.
TEST(Consumer, BlockwisePredictionEqualsOnePass) {
  torch::manual_seed(4);
  ConsumerMlp m(ConsumerConfig{8, 16, 0.0});
  m->eval();
  const auto x = torch::randn({40000, 8});
  const std::vector<float> blocks = predict(m, DenseFeatures(x));
  torch::NoGradGuard no_grad;
  const auto whole = m->forward(x).contiguous();
  ASSERT_EQ(blocks.size(), 40000u);
  for (int64_t i = 0; i < 40000; i += 997) EXPECT_NEAR(blocks[static_cast<size_t>(i)], whole[i].item<float>(), 1e-5);
}

// The training-mode forward fuses each BatchNorm with its ReLU: without
// dropout it gives what the registered layers give, running statistics too.
TEST(Consumer, TrainingForwardEqualsTheLayersForward) {
  torch::manual_seed(5);
  ConsumerMlp fused(ConsumerConfig{8, 16, 0.0}), plain(ConsumerConfig{8, 16, 0.0});
  {
    torch::NoGradGuard no_grad;
    const auto from = fused->named_parameters();
    for (auto& p : plain->named_parameters()) p.value().copy_(from[p.key()]);
  }
  fused->train();
  plain->train();
  const auto x = torch::randn({300, 8});
  const auto a = fused->forward(x);
  const auto b = plain->named_children()["net"]->as<torch::nn::Sequential>()->forward(x).squeeze(1);
  EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-5));
  const auto bf = fused->named_buffers(), bp = plain->named_buffers();
  for (const auto& buf : bp) EXPECT_TRUE(torch::allclose(bf[buf.key()].to(torch::kDouble), buf.value().to(torch::kDouble), 1e-5, 1e-6)) << buf.key();
  // Gradients agree too.
  a.sum().backward();
  b.sum().backward();
  const auto gf = fused->named_parameters();
  for (const auto& p : plain->named_parameters())
    EXPECT_TRUE(torch::allclose(gf[p.key()].grad(), p.value().grad(), 1e-3, 1e-4)) << p.key();
}

// Dropout keeps a (1 - p) share of the entries, scaled by 1 / (1 - p), and
// draws from the seeded stream it is given.
TEST(Consumer, DropoutMaskKeepsItsShareFromTheSeededStream) {
  Rng a(1), b(1), c(2);
  const auto m = dropout_mask({1000, 101}, 0.25, a);
  EXPECT_EQ(m.sizes(), (std::vector<int64_t>{1000, 101}));
  const double kept = (m != 0).sum().item<double>() / 101000.0;
  EXPECT_NEAR(kept, 0.75, 0.006);  // 4.5 standard errors
  EXPECT_TRUE(torch::equal(m.masked_select(m != 0), torch::full({(m != 0).sum().item<int64_t>()}, 1.0f / 0.75f)));
  EXPECT_TRUE(torch::equal(m, dropout_mask({1000, 101}, 0.25, b)));
  EXPECT_FALSE(torch::equal(m, dropout_mask({1000, 101}, 0.25, c)));
  Rng d(3);
  EXPECT_TRUE(torch::equal(dropout_mask({7, 3}, 0.0, d), torch::ones({7, 3})));
}

TEST(Consumer, WrongEmbeddingWidthIsAClearError) {
  ConsumerMlp m(ConsumerConfig{8, 16, 0.0});
  try {
    predict(m, DenseFeatures(torch::randn({4, 6})));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("width 8"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("got 6"), std::string::npos);
  }
}

}  // namespace
}  // namespace bcemb
