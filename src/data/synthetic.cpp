#include "bcemb/data/synthetic.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <string>
#include <thread>
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

double dot(const double* a, const double* b, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

constexpr double kBeta = 2.2;       // sharpness of the taste-item affinity
constexpr double kTrend = 1.2;      // weight of category popularity trends
constexpr int kCandidates = 32;     // items resampled within the chosen category
constexpr int kRetries = 4;         // fast draws before the exact fallback

struct Event {
  double t;
  int32_t user, seq, item;
  float rating;
};

// Everything drawn before the events: latent structure of items and users.
struct World {
  int f = 0, categories = 0;
  double inv_sqrt_f = 0;
  std::vector<double> cat_centroid, cat_trend;  // [categories x f], [categories]
  std::vector<int> item_cat, item_brand;
  std::vector<double> item_vec, item_quality, item_pop, item_arrival;  // item_vec: [items x f], scaled by 1/sqrt(f)
  // Items of each category sorted by arrival, with their arrival times,
  // prefix sums of exp(pop) and vectors (float, contiguous: a category's
  // candidates then stay in cache across a user's events).
  std::vector<std::vector<int>> cat_items;
  std::vector<std::vector<double>> cat_arrival, cat_cum;
  std::vector<std::vector<float>> cat_vec;
  std::vector<double> user_vec, user_drift;  // [users x f]
  std::vector<int> user_seg;
  std::vector<double> user_start, user_end, user_bias;
  std::vector<int64_t> events_of_user;
};

World draw_world(const SyntheticConfig& c) {
  Rng rng(c.seed);
  World w;
  const int f = c.factors;
  w.f = f;
  w.categories = c.categories;
  w.inv_sqrt_f = 1.0 / std::sqrt(static_cast<double>(f));
  for (int m = 0; m < c.categories; ++m) {
    const Vec v = gaussian(rng, f, 1.0);
    w.cat_centroid.insert(w.cat_centroid.end(), v.begin(), v.end());
    w.cat_trend.push_back(rng.normal());
  }
  std::vector<int> brand_cat(static_cast<size_t>(c.brands));
  std::vector<Vec> brand_offset;
  std::vector<double> brand_quality;
  for (int b = 0; b < c.brands; ++b) {
    brand_cat[b] = b % c.categories;
    brand_offset.push_back(gaussian(rng, f, 0.5));
    brand_quality.push_back(rng.normal() * 0.5);
  }
  const int n_i = c.items;
  w.item_cat.resize(n_i);
  w.item_brand.resize(n_i);
  w.item_vec.resize(static_cast<size_t>(n_i) * f);
  w.item_quality.resize(n_i);
  w.item_pop.resize(n_i);
  w.item_arrival.resize(n_i);
  for (int i = 0; i < n_i; ++i) {
    const int b = static_cast<int>(rng.below(static_cast<uint64_t>(c.brands)));
    w.item_brand[i] = b;
    w.item_cat[i] = brand_cat[b];
    const Vec noise = gaussian(rng, f, 0.45);
    for (int k = 0; k < f; ++k)
      w.item_vec[static_cast<size_t>(i) * f + k] =
          (noise[k] + w.cat_centroid[static_cast<size_t>(w.item_cat[i]) * f + k] + brand_offset[b][k]) * w.inv_sqrt_f;
    w.item_quality[i] = brand_quality[b] + rng.normal() * 0.45;
    // Popular items are somewhat better, so rating tasks leave a trace in the graph.
    w.item_pop[i] = 0.6 * rng.normal() + 0.5 * w.item_quality[i];
    w.item_arrival[i] = rng.uniform() < 0.4 ? 0.0 : rng.uniform() * 0.95;
  }
  w.cat_items.resize(c.categories);
  for (int i = 0; i < n_i; ++i) w.cat_items[w.item_cat[i]].push_back(i);
  w.cat_cum.resize(c.categories);
  w.cat_arrival.resize(c.categories);
  w.cat_vec.resize(c.categories);
  for (int m = 0; m < c.categories; ++m) {
    auto& items = w.cat_items[m];
    std::stable_sort(items.begin(), items.end(), [&](int a, int b) { return w.item_arrival[a] < w.item_arrival[b]; });
    double s = 0;
    for (const int i : items) {
      w.cat_cum[m].push_back(s += std::exp(w.item_pop[i]));
      w.cat_arrival[m].push_back(w.item_arrival[i]);
      for (int k = 0; k < f; ++k) w.cat_vec[m].push_back(static_cast<float>(w.item_vec[static_cast<size_t>(i) * f + k]));
    }
  }

  const int n_u = c.users;
  std::vector<Vec> seg_centroid;
  for (int s = 0; s < c.segments; ++s) seg_centroid.push_back(gaussian(rng, f, 1.0));
  const Vec activity_axis = gaussian(rng, f, w.inv_sqrt_f);
  const Vec rating_axis = gaussian(rng, f, w.inv_sqrt_f);
  w.user_seg.resize(n_u);
  w.user_vec.resize(static_cast<size_t>(n_u) * f);
  w.user_drift.resize(static_cast<size_t>(n_u) * f);
  w.user_start.resize(n_u);
  w.user_end.resize(n_u);
  w.user_bias.resize(n_u);
  std::vector<double> weight(n_u);
  for (int u = 0; u < n_u; ++u) {
    const int s = static_cast<int>(rng.below(static_cast<uint64_t>(c.segments)));
    w.user_seg[u] = s;
    Vec v = gaussian(rng, f, 0.7);
    for (int k = 0; k < f; ++k) v[k] += seg_centroid[s][k];
    const double act = dot(v.data(), activity_axis.data(), f);
    w.user_bias[u] = 0.5 * dot(v.data(), rating_axis.data(), f) + 0.25 * rng.normal();
    std::copy(v.begin(), v.end(), w.user_vec.begin() + static_cast<ptrdiff_t>(u) * f);
    const Vec drift = gaussian(rng, f, 0.6);
    std::copy(drift.begin(), drift.end(), w.user_drift.begin() + static_cast<ptrdiff_t>(u) * f);
    w.user_start[u] = rng.uniform() < 0.35 ? 0.0 : rng.uniform() * 0.9;
    const double life = -std::log(1.0 - rng.uniform()) * 0.45 * std::exp(0.5 * act);
    w.user_end[u] = std::min(1.0, w.user_start[u] + 0.04 + life);
    weight[u] = std::exp(0.8 * act + 0.6 * rng.normal()) * (w.user_end[u] - w.user_start[u]);
  }
  // Interactions are distributed over users by activity x window length; the
  // remainder of the rounding is drawn proportionally to the same weights.
  const double wsum = std::accumulate(weight.begin(), weight.end(), 0.0);
  w.events_of_user.resize(n_u);
  int64_t assigned = 0;
  for (int u = 0; u < n_u; ++u) {
    w.events_of_user[u] = 1 + static_cast<int64_t>(std::floor(weight[u] / wsum * static_cast<double>(c.interactions - n_u)));
    assigned += w.events_of_user[u];
  }
  std::vector<double> cum(n_u);
  std::partial_sum(weight.begin(), weight.end(), cum.begin());
  for (; assigned < c.interactions; ++assigned) {
    const auto u = std::upper_bound(cum.begin(), cum.end(), rng.uniform() * wsum) - cum.begin();
    ++w.events_of_user[std::min<ptrdiff_t>(u, n_u - 1)];
  }
  return w;
}

// The exact softmax over every arrived, unseen item: the fallback for a user
// who has seen every candidate the fast path drew (heavy users of small data).
int exact_choice(const World& w, const std::vector<double>& taste, double t, const std::vector<uint32_t>& seen_stamp,
                 uint32_t stamp, Rng& rng) {
  std::vector<double> cum;
  std::vector<int> items;
  double total = 0;
  for (int m = 0; m < w.categories; ++m) {
    const double cat_term = kTrend * w.cat_trend[m] * t;
    for (const int i : w.cat_items[m]) {
      if (w.item_arrival[i] > t) break;
      if (seen_stamp[i] == stamp) continue;
      const double aff = dot(taste.data(), &w.item_vec[static_cast<size_t>(i) * w.f], w.f);
      total += std::exp(kBeta * aff + w.item_pop[i] + cat_term);
      cum.push_back(total);
      items.push_back(i);
    }
  }
  if (items.empty()) return -1;
  const auto pos = std::upper_bound(cum.begin(), cum.end(), rng.uniform() * total) - cum.begin();
  return items[static_cast<size_t>(std::min<ptrdiff_t>(pos, static_cast<ptrdiff_t>(items.size()) - 1))];
}

// One user's interactions, in time order. Item choice approximates the softmax
// over arrived, unseen items of exp(beta * taste.item + pop + trend * t) in
// two stages: a category by its exact share of the softmax's category-level
// terms (centroid affinity, trend, arrived popularity mass), then an item
// resampled among kCandidates drawn from the category by popularity and
// weighted by their full affinity. O(categories + kCandidates) per event.
void user_events(const World& w, const SyntheticConfig& c, int32_t u, std::vector<uint32_t>& seen_stamp,
                 std::vector<Event>& out) {
  Rng rng(Rng::mix(c.seed, 0x5eed0000ULL + static_cast<uint64_t>(u)));
  const int f = w.f, n_cat = w.categories;
  const double* uv = &w.user_vec[static_cast<size_t>(u) * f];
  const double* ud = &w.user_drift[static_cast<size_t>(u) * f];
  const int64_t n = w.events_of_user[u];
  std::vector<double> times(static_cast<size_t>(n));
  for (auto& t : times) t = w.user_start[u] + rng.uniform() * (w.user_end[u] - w.user_start[u]);
  std::sort(times.begin(), times.end());
  // Affinity to category centroids is linear in t: a + t * b.
  std::vector<double> cat_a(n_cat), cat_b(n_cat);
  for (int m = 0; m < n_cat; ++m) {
    const double* cc = &w.cat_centroid[static_cast<size_t>(m) * f];
    cat_a[m] = kBeta * w.inv_sqrt_f * dot(uv, cc, f);
    cat_b[m] = kBeta * w.inv_sqrt_f * dot(ud, cc, f) + kTrend * w.cat_trend[m];
  }
  // Arrived items per category: found by bisection at the first event, then
  // advanced (the user's times are sorted); log of their popularity mass.
  std::vector<size_t> avail(n_cat, 0);
  std::vector<double> log_mass(n_cat, -1e300), p_cat(n_cat);
  if (!times.empty())
    for (int m = 0; m < n_cat; ++m) {
      const auto& arr = w.cat_arrival[m];
      avail[m] = static_cast<size_t>(std::upper_bound(arr.begin(), arr.end(), times.front()) - arr.begin());
      if (avail[m] > 0) log_mass[m] = std::log(w.cat_cum[m][avail[m] - 1]);
    }
  std::vector<double> taste(f), cand_w(kCandidates);
  std::vector<float> taste_f(f);
  std::vector<int> cand(kCandidates);
  const uint32_t stamp = static_cast<uint32_t>(u) + 1;
  int32_t seq = 0;
  for (const double t : times) {
    for (int k = 0; k < f; ++k) taste_f[k] = static_cast<float>(taste[k] = uv[k] + t * ud[k]);
    double top = -1e300;
    for (int m = 0; m < n_cat; ++m) {
      const auto& arr = w.cat_arrival[m];
      size_t& a = avail[m];
      if (a < arr.size() && arr[a] <= t) {
        while (a < arr.size() && arr[a] <= t) ++a;
        log_mass[m] = std::log(w.cat_cum[m][a - 1]);
      }
      p_cat[m] = a == 0 ? -1e300 : cat_a[m] + t * cat_b[m] + log_mass[m];
      top = std::max(top, p_cat[m]);
    }
    if (top <= -1e300) continue;  // nothing has arrived
    double total = 0;
    for (int m = 0; m < n_cat; ++m) total += p_cat[m] = avail[m] == 0 ? 0.0 : std::exp(p_cat[m] - top);
    int picked = -1;
    for (int attempt = 0; attempt < kRetries && picked < 0; ++attempt) {
      double r = rng.uniform() * total;
      int m = 0;
      for (; m + 1 < n_cat && r >= p_cat[m]; ++m) r -= p_cat[m];
      while (avail[m] == 0) --m;  // rounding at the end of the scan
      const auto& cum = w.cat_cum[m];
      const float* vecs = w.cat_vec[m].data();
      const double mass = cum[avail[m] - 1];
      double wsum = 0;
      for (int s = 0; s < kCandidates; ++s) {
        const size_t pos = std::min(
            static_cast<size_t>(std::upper_bound(cum.begin(), cum.begin() + avail[m], rng.uniform() * mass) - cum.begin()),
            avail[m] - 1);
        const int i = w.cat_items[m][pos];
        cand[s] = i;
        float aff = 0;
        for (int k = 0; k < f; ++k) aff += taste_f[k] * vecs[pos * f + k];
        cand_w[s] = seen_stamp[i] == stamp ? 0.0 : std::exp(kBeta * aff);
        wsum += cand_w[s];
      }
      if (wsum <= 0) continue;
      double r2 = rng.uniform() * wsum;
      int s = 0;
      for (; s + 1 < kCandidates && r2 >= cand_w[s]; ++s) r2 -= cand_w[s];
      while (cand_w[s] <= 0) --s;
      picked = cand[s];
    }
    if (picked < 0) picked = exact_choice(w, taste, t, seen_stamp, stamp, rng);
    if (picked < 0) continue;  // the user has seen every arrived item
    seen_stamp[picked] = stamp;
    const double affinity = dot(taste.data(), &w.item_vec[static_cast<size_t>(picked) * f], f);
    const double r = 3.4 + 0.35 * affinity + w.user_bias[u] + w.item_quality[picked] + 0.6 * rng.normal();
    out.push_back({t, u, seq++, picked, static_cast<float>(std::clamp(std::round(r), 1.0, 5.0))});
  }
}

std::string_view id_text(char prefix, int32_t n, char* buf) {
  buf[0] = prefix;
  const auto r = std::to_chars(buf + 1, buf + 16, n);
  return {buf, static_cast<size_t>(r.ptr - buf)};
}

}  // namespace

Dataset generate_synthetic(const SyntheticConfig& c) {
  if (c.users < 2 || c.items < 2 || c.interactions < 10 || c.factors < 1 || c.categories < 1 || c.brands < 1 ||
      c.segments < 1)
    throw Error("synthetic: sizes must be positive (users, items >= 2; interactions >= 10)");
  const World w = draw_world(c);

  // Users are independent given the world: generate them in parallel, each
  // from its own random stream, so the result does not depend on the threads.
  const int threads = std::max(1, std::min<int>(static_cast<int>(std::thread::hardware_concurrency()), 8));
  std::vector<std::vector<Event>> parts(static_cast<size_t>(threads));
  auto work = [&](int part) {
    std::vector<uint32_t> seen(static_cast<size_t>(c.items), 0);
    auto& out = parts[static_cast<size_t>(part)];
    out.reserve(static_cast<size_t>(c.interactions / threads + 16));
    for (int32_t u = part; u < c.users; u += threads) user_events(w, c, u, seen, out);
  };
  std::vector<std::thread> pool;
  for (int p = 1; p < threads; ++p) pool.emplace_back(work, p);
  work(0);
  for (auto& t : pool) t.join();

  std::vector<Event> events;
  size_t total = 0;
  for (const auto& p : parts) total += p.size();
  events.reserve(total);
  for (auto& p : parts) {
    events.insert(events.end(), p.begin(), p.end());
    std::vector<Event>().swap(p);
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.t < b.t || (a.t == b.t && (a.user < b.user || (a.user == b.user && a.seq < b.seq)));
  });

  DatasetBuilder b;
  const double span = static_cast<double>(c.span_days) * 86400.0;
  char ub[16], ib[16];
  for (const Event& ev : events)
    b.add_interaction(id_text('u', ev.user, ub), id_text('i', ev.item, ib), ev.rating,
                      c.start_time + static_cast<int64_t>(ev.t * span));
  std::vector<Event>().swap(events);
  const int departments = std::max(1, c.categories / 4);
  for (int i = 0; i < c.items; ++i) {
    const std::string id = "i" + std::to_string(i);
    b.add_item_attribute(id, "category", "cat" + std::to_string(w.item_cat[i]));
    b.add_item_attribute(id, "category", "dept" + std::to_string(w.item_cat[i] % departments));
    b.add_item_attribute(id, "brand", "brand" + std::to_string(w.item_brand[i]));
  }
  for (int u = 0; u < c.users; ++u)
    b.add_user_attribute("u" + std::to_string(u), "segment", "seg" + std::to_string(w.user_seg[u]));
  return b.build("synthetic(seed=" + std::to_string(c.seed) + ")", {});
}

}  // namespace bcemb
