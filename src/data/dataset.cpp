#include "bcemb/data/dataset.h"

#include "bcemb/data/loaders.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <unordered_map>

namespace bcemb {

const UserAttribute* Dataset::user_attribute(const std::string& kind) const {
  for (const auto& a : user_attributes)
    if (a.kind == kind) return &a;
  return nullptr;
}

const ItemAttribute* Dataset::item_attribute(const std::string& kind) const {
  for (const auto& a : item_attributes)
    if (a.kind == kind) return &a;
  return nullptr;
}

void DatasetBuilder::add_interaction(std::string_view user, std::string_view item, float rating, int64_t time) {
  raw_.push_back({users_.intern(user), items_.intern(item), rating, time});
}

namespace {
int32_t kind_index(std::vector<std::string>& kinds, const std::string& kind) {
  auto it = std::find(kinds.begin(), kinds.end(), kind);
  if (it != kinds.end()) return static_cast<int32_t>(it - kinds.begin());
  kinds.push_back(kind);
  return static_cast<int32_t>(kinds.size() - 1);
}

template <typename Attrs>
Attrs& attrs_of(std::vector<Attrs>& by_id, int32_t id) {
  if (static_cast<size_t>(id) >= by_id.size()) by_id.resize(static_cast<size_t>(id) + 1);
  return by_id[static_cast<size_t>(id)];
}
}  // namespace

void DatasetBuilder::add_item_attribute(std::string_view item, const std::string& kind, std::string_view value) {
  const int32_t k = kind_index(item_kinds_, kind);
  auto& list = attrs_of(item_attrs_, items_.intern(item));
  for (const auto& [lk, lv] : list)
    if (lk == k && lv == value) return;
  list.emplace_back(k, std::string(value));
}

void DatasetBuilder::add_user_attribute(std::string_view user, const std::string& kind, std::string_view value) {
  const int32_t k = kind_index(user_kinds_, kind);
  attrs_of(user_attrs_, users_.intern(user)).emplace_back(k, std::string(value));
}

namespace {
bool all_numbers(const std::vector<std::string>& values) {
  float f;
  for (const auto& v : values)
    if (!parse_float(v, f)) return false;
  return !values.empty();
}
}  // namespace

Dataset DatasetBuilder::build(const std::string& name, const Options& options) const {
  auto numeric = [&](const std::string& kind, const std::vector<std::string>& values) {
    return std::find(numeric_kinds_.begin(), numeric_kinds_.end(), kind) != numeric_kinds_.end() && all_numbers(values);
  };
  Dataset ds;
  ds.name = name;
  // Time order, ties in input order. Sorting (time, index) keys is cache-friendly; most
  // inputs arrive sorted already.
  std::vector<size_t> order(raw_.size());
  std::iota(order.begin(), order.end(), 0);
  if (!std::is_sorted(raw_.begin(), raw_.end(), [](const Raw& a, const Raw& b) { return a.time < b.time; })) {
    std::vector<std::pair<int64_t, size_t>> keys(raw_.size());
    for (size_t i = 0; i < raw_.size(); ++i) keys[i] = {raw_[i].time, i};
    std::sort(keys.begin(), keys.end());
    for (size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].second;
  }

  // Number users and items by first appearance in time.
  std::vector<int32_t> user_map(static_cast<size_t>(users_.size()), -1), item_map(static_cast<size_t>(items_.size()), -1);
  std::vector<int32_t> raw_user, raw_item;  // final id -> raw id
  ds.interactions.reserve(raw_.size());
  for (const size_t idx : order) {
    const Raw& r = raw_[idx];
    if (user_map[r.user] < 0) {
      user_map[r.user] = ds.num_users();
      ds.user_ids.push_back(users_.name(r.user));
      raw_user.push_back(r.user);
    }
    if (item_map[r.item] < 0) {
      item_map[r.item] = ds.num_items();
      ds.item_ids.push_back(items_.name(r.item));
      raw_item.push_back(r.item);
    }
    ds.interactions.push_back({user_map[r.user], item_map[r.item], r.rating, r.time});
  }
  static const Attrs kNone;
  auto item_attrs = [&](int32_t item) -> const Attrs& {
    const auto raw = static_cast<size_t>(raw_item[static_cast<size_t>(item)]);
    return raw < item_attrs_.size() ? item_attrs_[raw] : kNone;
  };
  auto user_attrs = [&](int32_t user) -> const Attrs& {
    const auto raw = static_cast<size_t>(raw_user[static_cast<size_t>(user)]);
    return raw < user_attrs_.size() ? user_attrs_[raw] : kNone;
  };

  // Item attributes: count how many items carry each value, drop rare values.
  for (size_t k = 0; k < item_kinds_.size(); ++k) {
    std::map<std::string, int64_t> count;
    std::vector<std::string> first_seen;
    for (int32_t item = 0; item < ds.num_items(); ++item) {
      for (const auto& [kind, value] : item_attrs(item)) {
        if (kind != static_cast<int32_t>(k)) continue;
        if (count[value]++ == 0) first_seen.push_back(value);
      }
    }
    ItemAttribute attr;
    attr.kind = item_kinds_[k];
    std::unordered_map<std::string, int32_t> vid;
    for (const auto& v : first_seen) {
      if (count[v] < options.min_value_count) continue;
      vid.emplace(v, static_cast<int32_t>(attr.values.size()));
      attr.values.push_back(v);
    }
    if (attr.values.empty()) continue;
    attr.offsets.assign(1, 0);
    for (int32_t item = 0; item < ds.num_items(); ++item) {
      for (const auto& [kind, value] : item_attrs(item)) {
        if (kind != static_cast<int32_t>(k)) continue;
        auto v = vid.find(value);
        if (v != vid.end()) attr.value_ids.push_back(v->second);
      }
      attr.offsets.push_back(static_cast<int64_t>(attr.value_ids.size()));
    }
    attr.numeric = numeric(attr.kind, attr.values);
    ds.item_attributes.push_back(std::move(attr));
  }

  for (size_t k = 0; k < user_kinds_.size(); ++k) {
    UserAttribute attr;
    attr.kind = user_kinds_[k];
    attr.value_of_user.assign(ds.user_ids.size(), -1);
    std::unordered_map<std::string, int32_t> vid;
    for (int32_t u = 0; u < ds.num_users(); ++u) {
      for (const auto& [kind, value] : user_attrs(u)) {
        if (kind != static_cast<int32_t>(k)) continue;
        auto [pos, inserted] = vid.emplace(value, static_cast<int32_t>(attr.values.size()));
        if (inserted) attr.values.push_back(value);
        attr.value_of_user[u] = pos->second;
      }
    }
    attr.numeric = numeric(attr.kind, attr.values);
    if (!attr.values.empty()) ds.user_attributes.push_back(std::move(attr));
  }
  return ds;
}

}  // namespace bcemb
