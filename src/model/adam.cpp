#include "bcemb/model/adam.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <cmath>
#include <memory>
#include <tuple>

#include "bcemb/util/runtime.h"

namespace bcemb {

namespace {

struct AdamStep {
  float b1, b2, step_size, inv_sqrt_bc2, eps;
};

void adam_portable(const AdamStep& k, float* __restrict w, const float* __restrict g, float* __restrict m,
                   float* __restrict v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    m[i] = k.b1 * m[i] + (1 - k.b1) * g[i];
    v[i] = k.b2 * v[i] + (1 - k.b2) * g[i] * g[i];
    w[i] -= k.step_size * m[i] / (std::sqrt(v[i]) * k.inv_sqrt_bc2 + k.eps);
  }
}

// Eight floats at a time (the portable loop's sqrt does not vectorise: errno).
__attribute__((target("avx2,fma"))) void adam_avx2(const AdamStep& k, float* w, const float* g, float* m, float* v,
                                                   int64_t n) {
  const __m256 b1 = _mm256_set1_ps(k.b1), c1 = _mm256_set1_ps(1 - k.b1), b2 = _mm256_set1_ps(k.b2),
               c2 = _mm256_set1_ps(1 - k.b2), step = _mm256_set1_ps(k.step_size),
               scale = _mm256_set1_ps(k.inv_sqrt_bc2), eps = _mm256_set1_ps(k.eps);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 gi = _mm256_loadu_ps(g + i);
    const __m256 mi = _mm256_fmadd_ps(b1, _mm256_loadu_ps(m + i), _mm256_mul_ps(c1, gi));
    const __m256 vi = _mm256_fmadd_ps(b2, _mm256_loadu_ps(v + i), _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    const __m256 denom = _mm256_fmadd_ps(_mm256_sqrt_ps(vi), scale, eps);
    _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), _mm256_div_ps(_mm256_mul_ps(step, mi), denom)));
  }
  adam_portable(k, w + i, g + i, m + i, v + i, n - i);
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  bool fused = closure == nullptr;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    fused = fused && !o.amsgrad() && o.weight_decay() == 0;
    for (const auto& p : group.params())
      fused = fused && (!p.grad().defined() || (p.scalar_type() == torch::kFloat && p.is_contiguous() &&
                                               p.grad().scalar_type() == torch::kFloat && p.grad().is_contiguous()));
  }
  if (!fused) return torch::optim::Adam::step(std::move(closure));
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto s = std::make_unique<torch::optim::AdamParamState>();
        s->step(0);
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.emplace(key, std::move(s)).first;
      }
      auto& s = static_cast<torch::optim::AdamParamState&>(*it->second);
      s.step(s.step() + 1);
      // As libtorch: p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps).
      const double bc1 = 1 - std::pow(beta1, static_cast<double>(s.step()));
      const double bc2 = 1 - std::pow(beta2, static_cast<double>(s.step()));
      const AdamStep k{static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(o.lr() / bc1),
                       static_cast<float>(1 / std::sqrt(bc2)), static_cast<float>(o.eps())};
      float* w = p.data_ptr<float>();
      const float* g = p.grad().data_ptr<float>();
      float* m = s.exp_avg().data_ptr<float>();
      float* v = s.exp_avg_sq().data_ptr<float>();
      at::parallel_for(0, p.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
        if (cpu_has_avx2_fma())
          adam_avx2(k, w + begin, g + begin, m + begin, v + begin, end - begin);
        else
          adam_portable(k, w + begin, g + begin, m + begin, v + begin, end - begin);
      });
    }
  }
  return {};
}

}  // namespace bcemb
