#include "bcemb/data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "bcemb/util/error.h"
#include "bcemb/util/rng.h"

namespace bcemb {

namespace {

using Vec = std::vector<double>;

Vec gaussian(Rng& rng, int n, double scale) {
  Vec v(static_cast<size_t>(n));
  for (auto& x : v) x = rng.normal() * scale;
  return v;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

Dataset generate_synthetic(const SyntheticConfig& c) {
  if (c.users < 2 || c.items < 2 || c.interactions < 10 || c.factors < 1 || c.categories < 1 || c.brands < 1 ||
      c.segments < 1)
    throw Error("synthetic: sizes must be positive (users, items >= 2; interactions >= 10)");
  Rng rng(c.seed);
  const int f = c.factors;
  const double inv_sqrt_f = 1.0 / std::sqrt(static_cast<double>(f));
  const int departments = std::max(1, c.categories / 4);

  // Categories, their departments, popularity trends; brands inside categories.
  std::vector<Vec> cat_centroid;
  std::vector<double> cat_trend;
  for (int m = 0; m < c.categories; ++m) {
    cat_centroid.push_back(gaussian(rng, f, 1.0));
    cat_trend.push_back(rng.normal());
  }
  std::vector<int> brand_cat(static_cast<size_t>(c.brands));
  std::vector<Vec> brand_offset;
  std::vector<double> brand_quality;
  for (int b = 0; b < c.brands; ++b) {
    brand_cat[b] = b % c.categories;
    brand_offset.push_back(gaussian(rng, f, 0.5));
    brand_quality.push_back(rng.normal() * 0.5);
  }

  // Items.
  const int n_i = c.items;
  std::vector<Vec> item_vec;
  std::vector<int> item_cat(n_i), item_brand(n_i);
  std::vector<double> item_quality(n_i), item_pop(n_i), item_arrival(n_i);
  for (int i = 0; i < n_i; ++i) {
    const int b = static_cast<int>(rng.below(static_cast<uint64_t>(c.brands)));
    item_brand[i] = b;
    item_cat[i] = brand_cat[b];
    Vec v = gaussian(rng, f, 0.45);
    for (int k = 0; k < f; ++k) v[k] += cat_centroid[item_cat[i]][k] + brand_offset[b][k];
    item_vec.push_back(std::move(v));
    item_quality[i] = brand_quality[b] + rng.normal() * 0.45;
    // Popular items are somewhat better, so rating tasks leave a trace in the graph.
    item_pop[i] = 0.6 * rng.normal() + 0.5 * item_quality[i];
    item_arrival[i] = rng.uniform() < 0.4 ? 0.0 : rng.uniform() * 0.95;
  }

  // Users.
  const int n_u = c.users;
  std::vector<Vec> seg_centroid;
  for (int s = 0; s < c.segments; ++s) seg_centroid.push_back(gaussian(rng, f, 1.0));
  const Vec activity_axis = gaussian(rng, f, inv_sqrt_f);
  const Vec rating_axis = gaussian(rng, f, inv_sqrt_f);
  std::vector<Vec> user_vec, user_drift;
  std::vector<int> user_seg(n_u);
  std::vector<double> user_start(n_u), user_end(n_u), user_weight(n_u), user_bias(n_u);
  for (int u = 0; u < n_u; ++u) {
    const int s = static_cast<int>(rng.below(static_cast<uint64_t>(c.segments)));
    user_seg[u] = s;
    Vec v = gaussian(rng, f, 0.7);
    for (int k = 0; k < f; ++k) v[k] += seg_centroid[s][k];
    const double act = dot(v, activity_axis);
    user_bias[u] = 0.5 * dot(v, rating_axis) + 0.25 * rng.normal();
    user_vec.push_back(std::move(v));
    user_drift.push_back(gaussian(rng, f, 0.6));
    user_start[u] = rng.uniform() < 0.35 ? 0.0 : rng.uniform() * 0.9;
    const double life = -std::log(1.0 - rng.uniform()) * 0.45 * std::exp(0.5 * act);
    user_end[u] = std::min(1.0, user_start[u] + 0.04 + life);
    user_weight[u] = std::exp(0.8 * act + 0.6 * rng.normal());
  }

  // Events: distribute interactions over users by weight x window length,
  // each event at a uniform time inside its user's window.
  std::vector<double> w(n_u);
  for (int u = 0; u < n_u; ++u) w[u] = user_weight[u] * (user_end[u] - user_start[u]);
  const double wsum = std::accumulate(w.begin(), w.end(), 0.0);
  std::vector<int64_t> count(n_u);
  int64_t assigned = 0;
  for (int u = 0; u < n_u; ++u) {
    count[u] = 1 + static_cast<int64_t>(std::floor(w[u] / wsum * static_cast<double>(c.interactions - n_u)));
    assigned += count[u];
  }
  while (assigned < c.interactions) {  // hand out the remainder proportionally to weight
    double r = rng.uniform() * wsum;
    int u = 0;
    while (u + 1 < n_u && r > w[u]) r -= w[u++];
    ++count[u];
    ++assigned;
  }
  struct Event {
    double t;
    int u;
  };
  std::vector<Event> events;
  events.reserve(static_cast<size_t>(assigned));
  for (int u = 0; u < n_u; ++u)
    for (int64_t e = 0; e < count[u]; ++e)
      events.push_back({user_start[u] + rng.uniform() * (user_end[u] - user_start[u]), u});
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.t < b.t; });

  std::vector<int> item_order(n_i);
  std::iota(item_order.begin(), item_order.end(), 0);
  std::sort(item_order.begin(), item_order.end(), [&](int a, int b) { return item_arrival[a] < item_arrival[b]; });

  std::vector<double> item_flat(static_cast<size_t>(n_i) * f);
  for (int i = 0; i < n_i; ++i)
    for (int k = 0; k < f; ++k) item_flat[static_cast<size_t>(i) * f + k] = item_vec[i][k] * inv_sqrt_f;

  DatasetBuilder b;
  std::vector<uint8_t> seen(static_cast<size_t>(n_u) * n_i, 0);
  std::vector<double> cum(n_i);
  Vec taste(f);
  const double beta = 2.2;
  const double span = static_cast<double>(c.span_days) * 86400.0;
  size_t n_avail = 0;
  for (const Event& ev : events) {
    const int u = ev.u;
    for (int k = 0; k < f; ++k) taste[k] = user_vec[u][k] + ev.t * user_drift[u][k];
    while (n_avail < item_order.size() && item_arrival[item_order[n_avail]] <= ev.t) ++n_avail;
    // Exact softmax sampling over arrived items this user has not seen yet.
    const uint8_t* seen_u = &seen[static_cast<size_t>(u) * n_i];
    double total = 0;
    for (size_t p = 0; p < n_avail; ++p) {
      const int i = item_order[p];
      double w = 0;
      if (!seen_u[i]) {
        const double* iv = &item_flat[static_cast<size_t>(i) * f];
        double a = 0;
        for (int k = 0; k < f; ++k) a += taste[k] * iv[k];
        w = std::exp(beta * a + item_pop[i] + 1.2 * cat_trend[item_cat[i]] * ev.t);
      }
      total += w;
      cum[p] = total;
    }
    if (total <= 0) continue;  // the user has seen every available item
    const double r0 = rng.uniform() * total;
    const size_t pick = static_cast<size_t>(std::upper_bound(cum.begin(), cum.begin() + n_avail, r0) - cum.begin());
    const int best = item_order[std::min(pick, n_avail - 1)];
    seen[static_cast<size_t>(u) * n_i + best] = 1;
    const double affinity = dot(taste, item_vec[best]) * inv_sqrt_f;
    const double r = 3.4 + 0.35 * affinity + user_bias[u] + item_quality[best] + 0.6 * rng.normal();
    const float rating = static_cast<float>(std::clamp(std::round(r), 1.0, 5.0));
    const auto t = c.start_time + static_cast<int64_t>(ev.t * span);
    b.add_interaction("u" + std::to_string(u), "i" + std::to_string(best), rating, t);
  }
  for (int i = 0; i < n_i; ++i) {
    const std::string id = "i" + std::to_string(i);
    b.add_item_attribute(id, "category", "cat" + std::to_string(item_cat[i]));
    b.add_item_attribute(id, "category", "dept" + std::to_string(item_cat[i] % departments));
    b.add_item_attribute(id, "brand", "brand" + std::to_string(item_brand[i]));
  }
  for (int u = 0; u < n_u; ++u) b.add_user_attribute("u" + std::to_string(u), "segment", "seg" + std::to_string(user_seg[u]));
  return b.build("synthetic(seed=" + std::to_string(c.seed) + ")", {});
}

}  // namespace bcemb
