#include "bcemb/versions/time_slices.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "bcemb/util/error.h"

namespace bcemb {

std::string SliceSpec::describe() const {
  std::ostringstream ss;
  if (!timestamps.empty()) {
    ss << "timestamps";
    for (const auto t : timestamps) ss << ' ' << t;
  } else {
    ss << "fractions";
    for (const auto f : fractions) ss << ' ' << f;
  }
  return ss.str();
}

namespace {

// Number of stream edges "up to" each cut point.
std::vector<int64_t> cut_counts(const Dataset& ds, const SliceSpec& spec) {
  const auto n = static_cast<int64_t>(ds.interactions.size());
  std::vector<int64_t> cuts;
  if (!spec.timestamps.empty()) {
    for (const int64_t t : spec.timestamps) {
      const auto it = std::upper_bound(ds.interactions.begin(), ds.interactions.end(), t,
                                       [](int64_t v, const Interaction& e) { return v < e.time; });
      cuts.push_back(it - ds.interactions.begin());
    }
  } else {
    for (const double f : spec.fractions) {
      if (!(f > 0.0 && f <= 1.0)) throw Error("cut fraction " + std::to_string(f) + " is outside (0, 1]");
      // edge e is at e/(n-1) <= f  <=>  e <= f*(n-1)
      const auto last = static_cast<int64_t>(std::floor(f * static_cast<double>(n - 1) + 1e-9));
      cuts.push_back(std::min(n, last + 1));
    }
  }
  if (cuts.size() < 2) throw Error("need at least two cut points (" + spec.describe() + ")");
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    if (cuts[k] <= 0) throw Error("cut point " + std::to_string(k) + " selects no edges (" + spec.describe() + ")");
    if (cuts[k + 1] <= cuts[k])
      throw Error("cut points must increase and each window must hold edges; window " + std::to_string(k) +
                  " is empty (" + spec.describe() + ")");
  }
  return cuts;
}

}  // namespace

std::vector<Version> make_versions(const Dataset& ds, const SliceSpec& spec) {
  const std::vector<int64_t> cuts = cut_counts(ds, spec);
  const auto& E = ds.interactions;
  // Because ids follow first appearance, the users known after the first c
  // edges are [0, max user id among them] -- a running maximum.
  std::vector<int32_t> users_upto(E.size() + 1, 0), items_upto(E.size() + 1, 0);
  for (size_t e = 0; e < E.size(); ++e) {
    users_upto[e + 1] = std::max(users_upto[e], E[e].user + 1);
    items_upto[e + 1] = std::max(items_upto[e], E[e].item + 1);
  }
  std::vector<Version> out;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    Version v;
    v.index = static_cast<int>(k);
    v.end_train = cuts[k];
    v.end_val = cuts[k + 1];
    v.users_before = users_upto[v.end_train];
    v.items_before = items_upto[v.end_train];
    v.num_users = users_upto[v.end_val];
    v.num_items = items_upto[v.end_val];
    v.train.reserve(static_cast<size_t>(v.end_val));
    for (int64_t e = 0; e < v.end_train; ++e) v.train.push_back(e);
    // New users' window edges: all but the last go to train; the last goes
    // to val if they have two or more, else to train.
    std::vector<int64_t> last_edge(static_cast<size_t>(v.num_users - v.users_before), -1);
    std::vector<int32_t> count(last_edge.size(), 0);
    for (int64_t e = v.end_train; e < v.end_val; ++e) {
      const int32_t u = E[e].user;
      if (u >= v.users_before) {
        last_edge[u - v.users_before] = e;
        ++count[u - v.users_before];
      }
    }
    for (int64_t e = v.end_train; e < v.end_val; ++e) {
      const int32_t u = E[e].user;
      if (u < v.users_before) {
        v.val.push_back(e);
      } else {
        const size_t nu = static_cast<size_t>(u - v.users_before);
        if (count[nu] >= 2 && last_edge[nu] == e) v.val.push_back(e);
        else v.train.push_back(e);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace bcemb
