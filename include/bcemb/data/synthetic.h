#pragma once
// The embedded default data: a deterministic generator with planted structure.
//
// Items have latent factors built from a category centroid plus a brand
// offset, so attributes (category, department, brand) carry signal. Users
// belong to segments, have latent tastes that drift over time, an activity
// level and a lifetime (arrival + churn) tied to their tastes, and a rating
// bias. Each interaction picks an item by softmax affinity among items that
// have arrived; category popularity trends shift over time. Ratings come from
// affinity + user bias + item quality + noise, rounded to 1..5.
// This makes the paper's effects visible: unintended tasks (ratings, activity)
// are learnable from embeddings, and independently retrained models land in
// unrelated embedding spaces.
#include <cstdint>

#include "bcemb/data/dataset.h"

namespace bcemb {

struct SyntheticConfig {
  int32_t users = 3000;
  int32_t items = 1500;
  int64_t interactions = 100000;
  int32_t factors = 16;
  int32_t categories = 24;
  int32_t brands = 120;
  int32_t segments = 8;
  uint64_t seed = 7;
  int64_t start_time = 1420070400;  // 2015-01-01
  int64_t span_days = 1095;
};

Dataset generate_synthetic(const SyntheticConfig& config);

}  // namespace bcemb
