#include "bcemb/util/gemm_bench.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace bcemb {

double torch_gemm_seconds(int64_t rows, int64_t inner, int64_t cols, int repeats) {
  const auto a = torch::randn({rows, inner});
  const auto b = torch::randn({cols, inner});
  auto out = torch::mm(a, b.t());  // warm-up
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    out = torch::mm(a, b.t());
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace bcemb
