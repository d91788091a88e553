// bcemb bench train: time one version's training the way the speed anchor
// (../shared/bench/reference_pinsage.py) does, and print the same figures.
#include <algorithm>
#include <cmath>
#include <iostream>

#include <sys/resource.h>

#include "bcemb/compat/composition.h"
#include "bcemb/train/workbench.h"
#include "bcemb/util/error.h"
#include "bcemb/util/gemm.h"
#include "bcemb/util/gemm_bench.h"
#include "bcemb/util/rng.h"
#include "bcemb/util/threads.h"
#include "commands.h"
#include "flags.h"

namespace bcemb::cli {

namespace {
double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // kilobytes on Linux
}
}  // namespace

void register_bench(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "speed benchmarks");
  bench->require_subcommand(1);
  auto* cmd = bench->add_subcommand("train", "train version 0 from scratch, report seconds per epoch and the Recall curve");
  auto data = std::make_shared<DataFlags>();
  auto train = std::make_shared<TrainFlags>();
  auto version = std::make_shared<int>(0);
  auto target = std::make_shared<double>(0.21);
  data->cuts = "0.5,0.6";
  train->dims = "256";
  train->layers = "2";
  train->config.epochs = 20;
  data->add(cmd);
  train->add(cmd);
  cmd->add_option("--version", *version, "which version to train")->capture_default_str();
  cmd->add_option("--target", *target, "report when validation Recall@50 first reaches this")->capture_default_str();
  cmd->callback([=] {
    const TrainConfig config = train->resolve();
    const Dataset ds = data->load_dataset();
    Workbench wb(ds, data->slices(), config);
    const FitResult fit = wb.train_scratch(*version);
    const Version& v = wb.versions().at(static_cast<size_t>(*version));
    std::vector<double> epoch_s;
    double prev = 0, to_target = -1;
    int prev_epoch = 0, epoch_target = -1;
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& p : fit.curve) {
      epoch_s.push_back((p.train_seconds - prev) / std::max(1, p.epoch - prev_epoch));
      prev = p.train_seconds;
      prev_epoch = p.epoch;
      curve.push_back({{"epoch", p.epoch}, {"train_s", p.train_seconds}, {"recall@50", p.recall}});
      if (epoch_target < 0 && p.recall >= *target) {
        epoch_target = p.epoch;
        to_target = p.train_seconds;
      }
    }
    std::sort(epoch_s.begin(), epoch_s.end());
    nlohmann::json j{{"users", v.num_users},
                     {"items", v.num_items},
                     {"train_edges", v.train.size()},
                     {"val_edges", v.val.size()},
                     {"epochs", config.epochs},
                     {"median_epoch_s", epoch_s.empty() ? 0.0 : epoch_s[epoch_s.size() / 2]},
                     {"recall@50", fit.recall.at(50)},
                     {"best_epoch", fit.best_epoch},
                     {"threads", get_threads()},
                     {"gemm", gemm_kernel()},
                     {"plan", fit.plan},
                     {"peak_rss_mb", peak_rss_mb()},
                     {"target", *target},
                     {"epochs_to_target", epoch_target},
                     {"train_s_to_target", to_target},
                     {"curve", curve}};
    if (const auto* c = dist::current()) {
      j["world_size"] = c->world_size();
      j["steps"] = fit.steps;
      j["step_allreduce_bytes"] = fit.step_allreduce_bytes;  // per rank and step: gradients + loss values
      j["allreduce_bytes_total"] = c->bytes_reduced();       // also evaluation's layer sums and recall counts
      j["allreduce_calls"] = c->allreduce_calls();
      j["allreduce_s"] = c->allreduce_seconds();  // this rank's wall-clock in allreduce, waiting included
    }
    print_result(j.dump() + "\n");
  });

  auto* tr = bench->add_subcommand("transform", "composed-transform throughput against libtorch's GEMM, same shapes");
  auto rows = std::make_shared<int64_t>(100000);
  auto from_dim = std::make_shared<int64_t>(512);
  auto to_dim = std::make_shared<int64_t>(256);
  auto repeats = std::make_shared<int>(5);
  auto threads = std::make_shared<int>(0);
  tr->add_option("--rows", *rows, "embedding rows")->capture_default_str();
  tr->add_option("--from-dim", *from_dim, "dimension of the latest version")->capture_default_str();
  tr->add_option("--to-dim", *to_dim, "dimension of the target version")->capture_default_str();
  tr->add_option("--repeats", *repeats, "timed repetitions (median reported)")->capture_default_str();
  add_threads_flag(tr, *threads);
  tr->callback([=] {
    apply_threads(*threads);
    // A 3-version chain 256 <- 384 <- 512 collapsed to one matrix, as export and serve use it.
    Rng rng(1);
    auto random = [&](int64_t r, int64_t c) {
      Matrix m(r, c);
      for (auto& x : m.data) x = static_cast<float>(rng.normal() / std::sqrt(static_cast<double>(c)));
      return m;
    };
    const int64_t mid = (*from_dim + *to_dim) / 2;
    TransformChain chain(*to_dim);
    chain.push(random(*to_dim, mid));
    chain.push(random(mid, *from_dim));
    const Matrix z = random(*rows, *from_dim);
    Matrix out;  // the warm-up call also fills the cache
    const double ours = median_seconds(*repeats, [&] { out = chain.apply(z, 2, 0); });
    const double torch_s = torch_gemm_seconds(*rows, *from_dim, *to_dim, *repeats);
    const double flops = 2.0 * static_cast<double>(*rows) * static_cast<double>(*from_dim) * static_cast<double>(*to_dim);
    std::cout << nlohmann::json{{"rows", *rows},
                                {"from_dim", *from_dim},
                                {"to_dim", *to_dim},
                                {"threads", get_threads()},
                                {"gemm", gemm_kernel()},
                                {"transform_s", ours},
                                {"transform_gflops", flops / ours / 1e9},
                                {"torch_gemm_s", torch_s},
                                {"torch_gemm_gflops", flops / torch_s / 1e9},
                                {"ratio", torch_s / ours}}
                     .dump(2)
              << "\n";
  });

  auto* gm = bench->add_subcommand("gemm", "bcemb's sgemm against OpenBLAS on one layer's three products");
  auto g_rows = std::make_shared<int64_t>(5000);
  auto g_dim = std::make_shared<int64_t>(128);
  auto g_repeats = std::make_shared<int>(20);
  auto g_threads = std::make_shared<int>(0);
  gm->add_option("--rows", *g_rows, "rows of the layer's input (nodes in a step)")->capture_default_str();
  gm->add_option("--dim", *g_dim, "layer width (input and output)")->capture_default_str();
  gm->add_option("--repeats", *g_repeats, "timed repetitions (median reported)")->capture_default_str();
  add_threads_flag(gm, *g_threads);
  gm->callback([=] {
    apply_threads(*g_threads);
    if (*g_rows < 1 || *g_dim < 1 || *g_repeats < 1) throw Error("--rows, --dim and --repeats must be positive");
    const int n = static_cast<int>(*g_rows), d = static_cast<int>(*g_dim);
    Rng rng(1);
    auto random = [&](int64_t count) {
      std::vector<float> v(static_cast<size_t>(count));
      for (auto& x : v) x = static_cast<float>(rng.normal());
      return v;
    };
    // Row-major x (n x d), w (d x d), y (n x d), as libtorch hands them to
    // BLAS (column-major, transposed): forward y = x w^T, input gradient
    // dx = dy w, weight gradient dw = dy^T x.
    const std::vector<float> x = random(int64_t{n} * d), w = random(int64_t{d} * d), dy = random(int64_t{n} * d);
    std::vector<float> out(static_cast<size_t>(int64_t{n} * d));
    struct Product {
      const char* name;
      char ta, tb;
      int m, nn, k;
      const float *a, *b;
      int lda, ldb;
    };
    const Product products[] = {{"forward", 'T', 'N', d, n, d, w.data(), x.data(), d, d},
                                {"input_grad", 'N', 'N', d, n, d, w.data(), dy.data(), d, d},
                                {"weight_grad", 'N', 'T', d, d, n, x.data(), dy.data(), d, d}};
    nlohmann::json j{{"rows", n}, {"dim", d}, {"threads", get_threads()}, {"gemm", gemm_kernel()}};
    for (const Product& p : products) {
      auto median_s = [&](bool ours) {
        return median_seconds(*g_repeats, [&] {
          (ours ? sgemm : detail::sgemm_openblas)(p.ta, p.tb, p.m, p.nn, p.k, 1.0f, p.a, p.lda, p.b, p.ldb, 0.0f,
                                                  out.data(), p.m);
        });
      };
      const double flops = 2.0 * p.m * p.nn * p.k, ours = median_s(true), blas = median_s(false);
      j[p.name] = {{"bcemb_s", ours},
                   {"bcemb_gflops", flops / ours / 1e9},
                   {"openblas_s", blas},
                   {"openblas_gflops", flops / blas / 1e9},
                   {"speedup", blas / ours}};
    }
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace bcemb::cli
