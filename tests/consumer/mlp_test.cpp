#include "bcemb/consumer/mlp.h"

#include <gtest/gtest.h>

#include "bcemb/eval/roc_auc.h"
#include "bcemb/util/error.h"

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
  const TrainedConsumer c = train_consumer({8, 16, 0.0}, tr, x, y, xs, ys);
  EXPECT_GT(c.selection_auc, 0.9);
  EXPECT_GE(c.best_epoch, 1);
}

TEST(Consumer, SavedAndLoadedGivesIdenticalPredictions) {
  torch::Tensor x, y;
  planted(300, x, y, 3);
  ConsumerTraining tr;
  tr.epochs = 3;
  tr.batch_size = 64;
  TrainedConsumer c = train_consumer({8, 16, 0.25}, tr, x, y, x, y);
  const std::string bytes = save_consumer(c.model);
  ConsumerMlp back = load_consumer({8, 16, 0.25}, bytes, "memory");
  EXPECT_EQ(predict(c.model, x), predict(back, x));
  EXPECT_THROW(load_consumer({8, 32, 0.25}, bytes, "memory"), Error);  // wrong architecture
}

TEST(Consumer, WrongEmbeddingWidthIsAClearError) {
  ConsumerMlp m(ConsumerConfig{8, 16, 0.0});
  try {
    predict(m, torch::randn({4, 6}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("width 8"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("got 6"), std::string::npos);
  }
}

}  // namespace
}  // namespace bcemb
