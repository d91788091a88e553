#include "bcemb/dist/sync_batch_norm.h"

namespace bcemb::dist {

namespace {

class AllReduceSum : public torch::autograd::Function<AllReduceSum> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, int64_t collective) {
    ctx->saved_data["c"] = collective;
    torch::Tensor y = x.contiguous().clone();
    reinterpret_cast<Collective*>(collective)->allreduce_sum(y);
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    torch::Tensor g = grads[0].contiguous().clone();
    reinterpret_cast<Collective*>(ctx->saved_data["c"].toInt())->allreduce_sum(g);
    return {g, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor allreduce_sum_autograd(const torch::Tensor& x, Collective& c) {
  return AllReduceSum::apply(x, static_cast<int64_t>(reinterpret_cast<intptr_t>(&c)));
}

torch::Tensor sync_batch_norm(torch::nn::BatchNorm1dImpl& bn, const torch::Tensor& x, Collective& c) {
  const int64_t d = x.size(1);
  // Sums in double: E[x^2] - E[x]^2 over many rows loses too much in float.
  const auto xd = x.to(torch::kDouble);
  const auto local = torch::cat({xd.sum(0), xd.pow(2).sum(0),
                                 torch::full({1}, static_cast<double>(x.size(0)), torch::kDouble)});
  const auto total = allreduce_sum_autograd(local, c);
  const double n = total[2 * d].item<double>();
  const auto mean = total.narrow(0, 0, d) / n;
  const auto var = (total.narrow(0, d, d) / n - mean.pow(2)).clamp_min(0);
  const auto& opt = bn.options;
  if (opt.track_running_stats()) {
    torch::NoGradGuard no_grad;
    if (!opt.momentum()) throw std::invalid_argument("sync_batch_norm: cumulative averages (momentum None) are not supported");
    const double m = *opt.momentum();
    bn.running_mean.mul_(1 - m).add_(mean.to(torch::kFloat), m);
    bn.running_var.mul_(1 - m).add_((var * (n / std::max(1.0, n - 1))).to(torch::kFloat), m);
    bn.num_batches_tracked.add_(1);
  }
  auto y = (x - mean.to(x.scalar_type())) * torch::rsqrt(var + opt.eps()).to(x.scalar_type());
  if (opt.affine()) y = y * bn.weight + bn.bias;
  return y;
}

}  // namespace bcemb::dist
