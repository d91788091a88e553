#include "bcemb/util/gemm_bench.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace bcemb {

double median_seconds(int repeats, const std::function<void()>& run) {
  run();
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double torch_gemm_seconds(int64_t rows, int64_t inner, int64_t cols, int repeats) {
  const auto a = torch::randn({rows, inner});
  const auto b = torch::randn({cols, inner});
  torch::Tensor out;
  return median_seconds(repeats, [&] { out = torch::mm(a, b.t()); });
}

}  // namespace bcemb
