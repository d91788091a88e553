#pragma once
// The one in-memory model of the data every loader produces.
//
// Users and items are dense integers inside bcemb, numbered by first
// appearance in the time-ordered interaction stream (as the paper does), so
// the nodes known at any time t are exactly a prefix [0, n(t)). The original
// string ids are kept for output.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bcemb/util/interner.h"

namespace bcemb {

struct Interaction {
  int32_t user;
  int32_t item;
  float rating;
  int64_t time;  // unix seconds
};

// One kind of item attribute (category, brand, genre, ...): zero or more values per item.
struct ItemAttribute {
  std::string kind;
  std::vector<std::string> values;  // vocabulary; value id = index
  std::vector<int64_t> offsets;     // size num_items + 1 (CSR over items)
  std::vector<int32_t> value_ids;   // value ids of item i: [offsets[i], offsets[i+1])
  bool numeric = false;             // values are quantities (a year), not categories
  int64_t count(int32_t item) const { return offsets[item + 1] - offsets[item]; }
};

// One kind of user attribute (gender, age, ...): at most one value per user.
struct UserAttribute {
  std::string kind;
  std::vector<std::string> values;
  std::vector<int32_t> value_of_user;  // -1 = unknown
  bool numeric = false;                // values are quantities (an age), not categories
};

struct Dataset {
  std::string name;
  std::vector<Interaction> interactions;  // sorted by time, stable w.r.t. file order
  std::vector<std::string> user_ids;      // dense index -> original id
  std::vector<std::string> item_ids;
  std::vector<ItemAttribute> item_attributes;
  std::vector<UserAttribute> user_attributes;

  int32_t num_users() const { return static_cast<int32_t>(user_ids.size()); }
  int32_t num_items() const { return static_cast<int32_t>(item_ids.size()); }
  const UserAttribute* user_attribute(const std::string& kind) const;
  const ItemAttribute* item_attribute(const std::string& kind) const;
};

// Collects raw records with string ids, then orders and numbers them.
class DatasetBuilder {
 public:
  void add_interaction(std::string_view user, std::string_view item, float rating, int64_t time);
  // Duplicate (item, kind, value) triples are kept once.
  void add_item_attribute(std::string_view item, const std::string& kind, std::string_view value);
  void add_user_attribute(std::string_view user, const std::string& kind, std::string_view value);
  // Attribute kinds (item or user) whose values are quantities: kept numeric
  // when every value parses as a number; all others are categories.
  void set_numeric(const std::string& kind) { numeric_kinds_.push_back(kind); }
  size_t num_interactions() const { return raw_.size(); }

  struct Options {
    // Attribute values carried by fewer items than this (counted over items
    // that occur in interactions) are dropped; the Amazon pipeline uses 5.
    int64_t min_value_count = 1;
  };
  Dataset build(const std::string& name, const Options& options) const;

 private:
  struct Raw {
    int32_t user, item;
    float rating;
    int64_t time;
  };
  using Attrs = std::vector<std::pair<int32_t, std::string>>;  // (kind index, value) in insertion order
  // Ids seen in interactions or attribute lines ("raw" ids, in order of first sight).
  Interner users_, items_;
  std::vector<Raw> raw_;
  std::vector<std::string> item_kinds_, user_kinds_, numeric_kinds_;
  std::vector<Attrs> item_attrs_, user_attrs_;  // by raw id
};

}  // namespace bcemb
