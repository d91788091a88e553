#pragma once
// Versions as time slices of the interaction stream.
//
// Cut points t_0 < t_1 < ... < t_K are fractions of the time-ordered stream
// (edge e of n is "at" e/(n-1), as the paper's code does) or timestamps.
// Version k (k = 0..K-1) is trained on the graph up to t_k and validated on
// the window (t_k, t_{k+1}]:
//   train = all edges up to t_k, plus, for users first seen in the window,
//           all their window edges but the last;
//   val   = window edges of users seen before t_k, plus the last window edge
//           of new users with two or more window edges.
// (A new user with a single window edge has it in train.)
// Version k's graph has every user and item known at t_{k+1}.
#include <cstdint>
#include <string>
#include <vector>

#include "bcemb/data/dataset.h"

namespace bcemb {

struct SliceSpec {
  std::vector<double> fractions = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
  std::vector<int64_t> timestamps;  // if non-empty, used instead of fractions
  std::string describe() const;
};

struct Version {
  int index = 0;
  int64_t end_train = 0;  // number of stream edges up to t_k
  int64_t end_val = 0;    // number of stream edges up to t_{k+1}
  int32_t users_before = 0, items_before = 0;  // known at t_k
  int32_t num_users = 0, num_items = 0;        // known at t_{k+1}
  std::vector<int64_t> train;                  // indices into Dataset::interactions
  std::vector<int64_t> val;
  int32_t new_users() const { return num_users - users_before; }
  int32_t new_items() const { return num_items - items_before; }
};

// Throws Error if the cut points are not increasing or select no edges.
std::vector<Version> make_versions(const Dataset& ds, const SliceSpec& spec);

}  // namespace bcemb
