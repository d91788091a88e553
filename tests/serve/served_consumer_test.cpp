// End to end: train with BC-Aligner, publish every version, gc, serve; a
// consumer trained on version 0 scores the same ROC-AUC on served version-0
// embeddings of a later version as on the in-process ones.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "bcemb/consumer/mlp.h"
#include "bcemb/consumer/tasks.h"
#include "bcemb/data/synthetic.h"
#include "bcemb/eval/roc_auc.h"
#include "bcemb/registry/registry.h"
#include "bcemb/serve/server.h"
#include "bcemb/train/workbench.h"
#include "test_util.h"

namespace bcemb {
namespace {

torch::Tensor item_features(const Matrix& items, const TaskExamples& ex) {
  auto x = torch::empty({static_cast<int64_t>(ex.size()), items.cols});
  for (size_t r = 0; r < ex.size(); ++r) std::copy_n(items.row(ex.nodes[r]), items.cols, x.data_ptr<float>() + r * items.cols);
  return x;
}

TEST(ServedConsumer, SameRocAucFromServedAndInProcessEmbeddings) {
  const Dataset ds = generate_synthetic(test::synthetic_size(400, 250, 12000));
  SliceSpec slices;
  slices.fractions = {0.6, 0.75, 0.9, 1.0};
  TrainConfig train;
  train.models = {{8, 2}, {12, 2}, {16, 2}};
  train.epochs = 8;
  train.warmup_epochs = 2;
  train.batch_size = 512;
  test::TempDir dir;
  Workbench wb(ds, slices, train);
  wb.run(parse_strategy("bc-aligner"), dir / "run");
  Registry::init(dir / "reg");
  {
    Registry r(dir / "reg");
    for (int k = 0; k < 3; ++k) r.publish_run(dir / "run", k);
    r.gc();
    ASSERT_TRUE(r.verify().ok());
  }
  // consumer: item-rating-avg, trained on version 0
  const TaskSet tasks(ds, wb.versions());
  const RunDir rd(dir / "run");
  const TransformChain chain = rd.chain();
  const Matrix items0 = rd.embeddings(0, "items");
  const TaskExamples tr = tasks.train("item-rating-avg");
  const auto y = torch::from_blob(const_cast<float*>(tr.labels.data()), {static_cast<int64_t>(tr.size())}).clone();
  ConsumerTraining ct;
  ct.epochs = 10;
  ct.batch_size = 64;
  TrainedConsumer consumer = train_consumer({8, 32, 0.0}, ct, DenseFeatures(item_features(items0, tr)), y,
                                                DenseFeatures(item_features(items0, tr)), y);
  // evaluation examples at version 2, in-process version-0-compatible embeddings
  const TaskExamples ex = tasks.at("item-rating-avg", 2);
  ASSERT_GT(ex.size(), 10u);
  const Matrix local = chain.apply(rd.embeddings(2, "items"), 2, 0);
  const double auc_local = roc_auc(predict(consumer.model, DenseFeatures(item_features(local, ex))), ex.labels);
  // served: the latest table, version 0 on the fly
  ServeOptions o;
  o.port = 0;
  EmbeddingServer server(dir / "reg", o);
  const int port = server.bind();
  std::thread t([&] { server.run(); });
  httplib::Client client("127.0.0.1", port);
  const auto ids = rd.ids(2, "items");
  nlohmann::json req{{"kind", "items"}, {"version", 0}, {"ids", ids}};
  const auto res = client.Post("/v1/embeddings:batch", httplib::Headers{{"Accept", "application/octet-stream"}},
                               req.dump(), "application/json");
  server.stop();
  t.join();
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  Matrix served(static_cast<int64_t>(ids.size()), 8);
  ASSERT_EQ(res->body.size(), served.data.size() * sizeof(float));
  std::memcpy(served.data.data(), res->body.data(), res->body.size());
  const double auc_served = roc_auc(predict(consumer.model, DenseFeatures(item_features(served, ex))), ex.labels);
  EXPECT_NEAR(auc_served, auc_local, 1e-6);
  for (size_t i = 0; i < served.data.size(); ++i) ASSERT_NEAR(served.data[i], local.data[i], 1e-4);
}

}  // namespace
}  // namespace bcemb
