#include "bcemb/train/workbench.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <limits>

#include "bcemb/compat/composition.h"
#include "bcemb/compat/transform.h"
#include "bcemb/data/synthetic.h"
#include "bcemb/eval/alignment_error.h"
#include "bcemb/io/atomic_file.h"
#include "bcemb/report/intended.h"
#include "bcemb/util/error.h"
#include "bcemb/util/threads.h"
#include "test_util.h"

namespace bcemb {
namespace {

struct Small {
  Dataset ds = generate_synthetic(config());
  SliceSpec slices;
  TrainConfig train;
  Small() {
    slices.fractions = {0.6, 0.75, 0.9, 1.0};
    train.models = {{8, 2}, {12, 2}, {16, 2}};
    train.epochs = 30;
    train.warmup_epochs = 10;
    train.batch_size = 256;
  }
  static SyntheticConfig config() { return test::synthetic_size(300, 200, 6000); }
  // Each strategy into dir/<name>, in turn, sharing one cache.
  std::vector<StrategyResult> run_each(const test::TempDir& dir, const std::vector<std::string>& names) const {
    Workbench wb(ds, slices, train, dir / "cache");
    std::vector<StrategyResult> results;
    for (const auto& name : names) results.push_back(wb.run(parse_strategy(name), dir / name));
    return results;
  }
};

TEST(Workbench, StrategiesWriteRunsThatComposeToVersionZero) {
  const Small s;
  test::TempDir dir;
  const std::vector<StrategyResult> results = s.run_each(dir, {"fix-m0", "no-bc", "posthoc-lin-mloss", "joint-lin-mloss"});
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results) {
    ASSERT_EQ(r.versions.size(), 3u);
    EXPECT_DOUBLE_EQ(r.versions[0].fit.recall.at(50), results[0].versions[0].fit.recall.at(50))
        << "version 0 is shared by every strategy";
  }
  // fix-m0 is the reference of the alignment error
  EXPECT_DOUBLE_EQ(results[0].versions[2].alignment_error, 0.0);
  // no-bc's transforms are truncations
  const RunDir nobc(dir / "no-bc");
  ASSERT_TRUE(nobc.complete());
  const Matrix b2 = nobc.transform(2);
  EXPECT_EQ(b2.rows, 12);
  EXPECT_EQ(b2.cols, 16);
  EXPECT_FLOAT_EQ(b2.at(3, 3), 1.0f);
  EXPECT_FLOAT_EQ(b2.at(3, 4), 0.0f);
  // The composed transform of the files reproduces the reported alignment error.
  const RunDir joint(dir / "joint-lin-mloss");
  const Matrix z = joint.embeddings(2, "users");
  const Matrix compat0 = joint.chain().apply(z, 2, 0);
  EXPECT_EQ(compat0.cols, 8);
  EXPECT_EQ(joint.ids(2, "users").size(), static_cast<size_t>(z.rows));
  // Per node type: the node-weighted mean of the two types' distances is the
  // reported error, and the metrics file keeps both.
  const VersionMetrics& v2 = results[3].versions[2];
  EXPECT_NEAR((v2.users * v2.user_alignment.mean_distance + v2.items * v2.item_alignment.mean_distance) /
                  (v2.users + v2.items),
              v2.alignment_error, 1e-6);
  EXPECT_GT(v2.user_alignment.relative, 0.0);
  EXPECT_GT(v2.item_alignment.relative, 0.0);
  EXPECT_DOUBLE_EQ(joint.metrics(2).item_alignment.relative, v2.item_alignment.relative);
  EXPECT_DOUBLE_EQ(joint.metrics(2).user_alignment.mean_distance, v2.user_alignment.mean_distance);
  // Joint training aligns far better than independent training.
  EXPECT_LT(results[3].versions[2].alignment_error, 0.5 * results[1].versions[2].alignment_error);
  EXPECT_LT(results[2].versions[2].alignment_error, results[1].versions[2].alignment_error);
  const auto rows = intended_comparison(results, 50);
  EXPECT_DOUBLE_EQ(rows[1].degradation_pct, 0.0);  // no-bc against itself
  EXPECT_DOUBLE_EQ(rows[2].degradation_pct, 0.0);  // post hoc keeps no-bc's models
}

TEST(Workbench, CompleteRunsAreReusedAndBadVersionsAreErrors) {
  Small s;
  test::TempDir dir;
  Workbench wb(s.ds, s.slices, s.train, dir / "cache");
  const StrategyResult first = wb.run(parse_strategy("no-bc"), dir / "run");
  const StrategyResult again = wb.run(parse_strategy("no-bc"), dir / "run");
  EXPECT_TRUE(again.reused);
  EXPECT_DOUBLE_EQ(again.versions[2].fit.recall.at(50), first.versions[2].fit.recall.at(50));
  const RunDir rd(dir / "run");
  EXPECT_THROW(rd.embeddings(7, "users"), Error);      // no such version
  EXPECT_THROW(rd.chain().composed(0, 2), Error);      // j > k
  EXPECT_THROW(rd.embeddings(1, "groups"), Error);
  EXPECT_THROW(RunDir(dir / "nothing").versions(), Error);
}

// Strategies trained side by side (jobs 2, one thread each) give exactly
// what one job on one thread gives: shared models, weight initialisation and
// the post-hoc, warm-started and distilled runs that read the shared models.
TEST(Workbench, RunsSideBySideEqualRunsInTurn) {
  Small s;
  s.train.epochs = 12;
  const std::vector<std::string> names = {"fix-m0",      "no-bc",           "posthoc-lin-sloss",
                                          "finetune-m0", "joint-lin-mloss", "joint-ortho-mloss-warm-distill"};
  std::vector<StrategySpec> specs;
  for (const auto& n : names) specs.push_back(parse_strategy(n));
  test::TempDir dir;
  // Side by side, the caller's work fills workers that have no run left.
  std::atomic<int> pieces_left{5}, idle_calls{0};
  auto idle = [&] {
    ++idle_calls;
    return pieces_left.fetch_sub(1) > 0;
  };
  auto train = [&](int jobs, int threads, const std::string& sub, std::vector<size_t>* done) {
    std::vector<std::string> dirs;
    for (const auto& n : names) dirs.push_back(dir / (sub + "/" + n));
    TrainConfig c = s.train;
    c.jobs = jobs;
    const ScopedThreads scoped(threads);
    Workbench wb(s.ds, s.slices, c);
    return wb.run_all(
        specs, dirs, false,
        [&](size_t i) {
          if (done != nullptr) done->push_back(i);
        },
        idle);
  };
  const std::vector<StrategyResult> turn = train(1, 1, "turn", nullptr);
  EXPECT_EQ(idle_calls, 0) << "in turn, no worker idles";
  std::vector<size_t> done;
  const std::vector<StrategyResult> side = train(2, 2, "side", &done);
  std::sort(done.begin(), done.end());
  EXPECT_EQ(done, (std::vector<size_t>{0, 1, 2, 3, 4, 5})) << "done once per strategy";
  EXPECT_LE(pieces_left, 0) << "every piece of the caller's work ran before run_all returned";
  EXPECT_EQ(idle_calls, 7) << "five pieces, then each of the two workers asks once more and is told no";
  ASSERT_EQ(side.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(side[i].strategy, names[i]);
    const RunDir a(dir / ("turn/" + names[i])), b(dir / ("side/" + names[i]));
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(side[i].versions[k].fit.recall.at(50), turn[i].versions[k].fit.recall.at(50)) << names[i] << " v" << k;
      EXPECT_EQ(side[i].versions[k].alignment_error, turn[i].versions[k].alignment_error) << names[i] << " v" << k;
      EXPECT_EQ(a.embeddings(k, "items").data, b.embeddings(k, "items").data) << names[i] << " v" << k;
      if (k > 0) {
        EXPECT_EQ(a.transform(k).data, b.transform(k).data) << names[i] << " v" << k;
      }
    }
  }
}

// A gauge reparametrises each version's table (users G, items G^-T): the
// written tables give every user-item score of no-bc's tables, so the
// intended task is no-bc's, G.npy is written beside B.npy, and the files'
// chain reproduces the reported alignment error (the tables are the
// reparametrised ones, which version k+1 also aligns to).
TEST(Workbench, GaugeKeepsNoBcScoresAndAlignsBetterThanOneMap) {
  const Small s;
  test::TempDir dir;
  const std::vector<StrategyResult> results = s.run_each(dir, {"fix-m0", "no-bc", "posthoc-lin-sloss", "posthoc-lin-sloss-gauge"});
  const RunDir nobc(dir / "no-bc"), gauged(dir / "posthoc-lin-sloss-gauge"), fix(dir / "fix-m0");
  for (int k = 1; k < 3; ++k) {
    EXPECT_DOUBLE_EQ(results[3].versions[k].fit.recall.at(50), results[1].versions[k].fit.recall.at(50));
    EXPECT_TRUE(path_exists(gauged.file(k, "G.npy")));
    EXPECT_FALSE(path_exists(nobc.file(k, "G.npy")));
    const auto scores = [&](const RunDir& rd) {
      return torch::mm(to_tensor(rd.embeddings(k, "users")), to_tensor(rd.embeddings(k, "items")).t());
    };
    const auto a = scores(nobc), b = scores(gauged);
    EXPECT_TRUE(torch::allclose(a, b, 1e-3, 1e-3)) << "v" << k << ": " << (a - b).abs().max().item<double>();
    EXPECT_FALSE(torch::allclose(to_tensor(nobc.embeddings(k, "users")), to_tensor(gauged.embeddings(k, "users"))))
        << "v" << k << ": the table was reparametrised";
    Matrix table = gauged.embeddings(k, "users"), ref = fix.embeddings(k, "users");
    const Matrix items = gauged.embeddings(k, "items"), ref_items = fix.embeddings(k, "items");
    table.data.insert(table.data.end(), items.data.begin(), items.data.end());
    table.rows += items.rows;
    ref.data.insert(ref.data.end(), ref_items.data.begin(), ref_items.data.end());
    ref.rows += ref_items.rows;
    EXPECT_NEAR(mean_row_distance(gauged.chain().apply(table, k, 0), ref), results[3].versions[k].alignment_error, 1e-4);
  }
  EXPECT_LT(results[3].versions[2].alignment_error, results[2].versions[2].alignment_error);
}

// An anchored multi-step fit aims version 2's chain at M_0 on version 2's
// graph (fix-m0's table) rather than through version 1's map: version 1 is
// the same fit, version 2 lands closer to fix-m0.
TEST(Workbench, AnchorBringsTheChainCloserToFixM0) {
  const Small s;
  test::TempDir dir;
  const std::vector<StrategyResult> results = s.run_each(dir, {"posthoc-lin-mloss", "posthoc-lin-mloss-anchor"});
  const auto& plain = results[0].versions;
  const auto& anchored = results[1].versions;
  EXPECT_DOUBLE_EQ(anchored[1].alignment_error, plain[1].alignment_error);
  EXPECT_LT(anchored[2].alignment_error, plain[2].alignment_error);
  EXPECT_DOUBLE_EQ(anchored[2].fit.recall.at(50), plain[2].fit.recall.at(50));  // post hoc: no-bc's model
}

// The recall guard: every version keeps recall within 1% of no-bc's and
// aligns at least as well as its epoch 0, which at version 1 (where the
// chains agree) is the post-hoc fit; the joint epochs are the plain warm fit's.
TEST(Workbench, RecallGuardKeepsRecallAndNeverAlignsWorseThanPostHoc) {
  const Small s;
  test::TempDir dir;
  const std::vector<StrategyResult> results =
      s.run_each(dir, {"no-bc", "posthoc-lin-mloss-gauge-anchor", "joint-lin-mloss-warm-gauge-anchor@max-recall-loss=1",
                       "joint-lin-mloss-warm-gauge-anchor", "joint-notrans-sloss-warm@max-recall-loss=1"});
  const auto& nobc = results[0].versions;
  const auto& posthoc = results[1].versions;
  const auto& guarded = results[2].versions;
  const auto& plain = results[3].versions;
  ASSERT_EQ(guarded[1].fit.curve.size(), plain[1].fit.curve.size() + 1);
  for (size_t e = 0; e < plain[1].fit.curve.size(); ++e) {
    EXPECT_DOUBLE_EQ(guarded[1].fit.curve[e + 1].recall, plain[1].fit.curve[e].recall) << "epoch " << e + 1;
    EXPECT_DOUBLE_EQ(guarded[1].fit.curve[e + 1].alignment, plain[1].fit.curve[e].alignment) << "epoch " << e + 1;
  }
  for (size_t k = 1; k < guarded.size(); ++k) {
    EXPECT_GE(guarded[k].fit.recall.at(50), 0.99 * nobc[k].fit.recall.at(50)) << "version " << k;
    ASSERT_FALSE(guarded[k].fit.curve.empty());
    const CurvePoint& start = guarded[k].fit.curve.front();
    EXPECT_EQ(start.epoch, 0);
    EXPECT_DOUBLE_EQ(start.recall, nobc[k].fit.recall.at(50)) << "epoch 0 is no-bc's model";
    EXPECT_LE(guarded[k].fit.alignment, start.alignment) << "version " << k;
  }
  EXPECT_NEAR(guarded[1].fit.curve.front().alignment, posthoc[1].fit.alignment, 1e-6 * posthoc[1].fit.alignment);
  // A truncation has no post-hoc fit: its epoch 0 is no-bc's model and map.
  for (size_t k = 1; k < guarded.size(); ++k)
    EXPECT_GE(results[4].versions[k].fit.recall.at(50), 0.99 * nobc[k].fit.recall.at(50)) << "version " << k;
}

// The recall budget: version k may lose P k percent of recall in all, less
// what versions 1..k-1 lost, so the mean loss over versions (the reported
// intended degradation) stays within P. Each version keeps the most aligned
// candidate (epoch 0 or any joint epoch: no warm-up) within its share;
// version 1's share is P, so there it is the per-version guard. (Seed 3:
// version 1 leaves part of its share, and with it version 2 keeps a more
// aligned joint epoch than the per-version guard can, with OpenBLAS's GEMM
// and with util/gemm.h's.)
TEST(Workbench, RecallBudgetKeepsTheMeanLossAndSpendsWhatEarlierVersionsLeft) {
  Small s;
  s.train.seed = 3;
  test::TempDir dir;
  const double P = 3;
  const std::vector<StrategyResult> results =
      s.run_each(dir, {"no-bc", "joint-lin-mloss-warm-gauge-anchor@max-mean-recall-loss=3",
                       "joint-lin-mloss-warm-gauge-anchor@max-recall-loss=3"});
  const auto& nobc = results[0].versions;
  const auto& budget = results[1].versions;
  const auto& guard = results[2].versions;
  EXPECT_DOUBLE_EQ(budget[1].alignment_error, guard[1].alignment_error);
  double spent = 0;
  for (size_t k = 1; k < budget.size(); ++k) {
    double reference = 0;
    for (const auto& p : nobc[k].fit.curve) reference = std::max(reference, p.recall);
    const double floor = (1.0 - (P * static_cast<double>(k) - spent) / 100.0) * reference;
    double expected = std::numeric_limits<double>::infinity();
    for (const auto& p : budget[k].fit.curve)
      if (p.recall >= floor) expected = std::min(expected, p.alignment);
    EXPECT_DOUBLE_EQ(budget[k].fit.alignment, expected) << "version " << k << ", floor " << floor;
    const double base = nobc[k].fit.recall.at(50);
    spent += (base - budget[k].fit.recall.at(50)) / base * 100.0;
    EXPECT_LE(spent, P * static_cast<double>(k) + 1e-9) << "version " << k;
  }
  EXPECT_GT(budget[2].fit.best_epoch, 0) << "version 1's unspent share lets version 2 keep a joint epoch";
  EXPECT_LT(budget[2].fit.alignment, guard[2].fit.alignment);
}

// A recall guard chooses the most aligned epoch within its bound, so the
// warm-up (which keeps a fit chosen on recall from an epoch that has not
// aligned yet) does not apply: with a warm-up over all but the last epoch
// it keeps the same epochs, among them ones the warm-up would pass over.
TEST(Workbench, RecallGuardChoosesAmongEveryEpochWhateverTheWarmUp) {
  Small usual, late;
  usual.train.seed = late.train.seed = 3;
  late.train.warmup_epochs = late.train.epochs - 1;
  test::TempDir a, b;
  const std::string name = "joint-lin-mloss-warm-gauge-anchor@max-recall-loss=3";
  const auto kept = usual.run_each(a, {name}).front().versions;
  const auto kept_late = late.run_each(b, {name}).front().versions;
  ASSERT_EQ(kept.size(), kept_late.size());
  bool inside = false;
  for (size_t k = 1; k < kept.size(); ++k) {
    EXPECT_EQ(kept_late[k].fit.best_epoch, kept[k].fit.best_epoch) << "version " << k;
    EXPECT_DOUBLE_EQ(kept_late[k].fit.alignment, kept[k].fit.alignment) << "version " << k;
    inside |= kept_late[k].fit.best_epoch >= 1 && kept_late[k].fit.best_epoch <= late.train.warmup_epochs;
  }
  EXPECT_TRUE(inside) << "some version keeps a joint epoch inside the warm-up";
}

// A run is staged in RUN/.partial and moved in when complete: the user's
// other files in RUN stay, and a run with fewer versions leaves none of the
// older run's extra versions behind.
TEST(Workbench, ARewrittenRunKeepsOtherFilesAndDropsStaleVersions) {
  Small s;
  test::TempDir dir;
  const std::string run = dir / "run";
  Workbench(s.ds, s.slices, s.train).run(parse_strategy("no-bc"), run);
  ASSERT_EQ(RunDir(run).versions(), 3);
  write_file_atomic(run + "/notes.txt", "kept");
  SliceSpec two;
  two.fractions = {0.6, 0.75, 0.9};
  Workbench(s.ds, two, s.train).run(parse_strategy("no-bc"), run + "/");  // trailing slash: the same folder
  const RunDir rd(run);
  EXPECT_TRUE(rd.complete());
  EXPECT_EQ(rd.versions(), 2);
  EXPECT_FALSE(path_exists(rd.version_dir(2)));
  EXPECT_FALSE(path_exists(run + "/.partial"));
  EXPECT_EQ(read_file(run + "/notes.txt"), "kept");
  EXPECT_EQ(rd.embeddings(1, "users").rows, rd.metrics(1).users);
}

}  // namespace
}  // namespace bcemb
