#include "bcemb/data/dataset.h"

#include <algorithm>
#include <numeric>
#include <set>

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

int32_t DatasetBuilder::intern(std::unordered_map<std::string, int32_t>& map, std::vector<std::string>& names,
                               const std::string& s) {
  auto it = map.find(s);
  if (it != map.end()) return it->second;
  const auto id = static_cast<int32_t>(names.size());
  map.emplace(s, id);
  names.push_back(s);
  return id;
}

void DatasetBuilder::add_interaction(const std::string& user, const std::string& item, float rating, int64_t time) {
  raw_.push_back({intern(user_index_, user_names_, user), intern(item_index_, item_names_, item), rating, time});
}

namespace {
int32_t kind_index(std::vector<std::string>& kinds, const std::string& kind) {
  auto it = std::find(kinds.begin(), kinds.end(), kind);
  if (it != kinds.end()) return static_cast<int32_t>(it - kinds.begin());
  kinds.push_back(kind);
  return static_cast<int32_t>(kinds.size() - 1);
}
}  // namespace

void DatasetBuilder::add_item_attribute(const std::string& item, const std::string& kind, const std::string& value) {
  const int32_t k = kind_index(item_kinds_, kind);
  auto& list = item_attrs_[item];
  const std::pair<int32_t, std::string> entry{k, value};
  if (std::find(list.begin(), list.end(), entry) == list.end()) list.push_back(entry);
}

void DatasetBuilder::add_user_attribute(const std::string& user, const std::string& kind, const std::string& value) {
  const int32_t k = kind_index(user_kinds_, kind);
  user_attrs_[user].emplace_back(k, value);
}

Dataset DatasetBuilder::build(const std::string& name, const Options& options) const {
  Dataset ds;
  ds.name = name;
  std::vector<size_t> order(raw_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return raw_[a].time < raw_[b].time; });

  // Number users and items by first appearance in time.
  std::vector<int32_t> user_map(user_names_.size(), -1), item_map(item_names_.size(), -1);
  ds.interactions.reserve(raw_.size());
  for (const size_t idx : order) {
    const Raw& r = raw_[idx];
    if (user_map[r.user] < 0) {
      user_map[r.user] = ds.num_users();
      ds.user_ids.push_back(user_names_[r.user]);
    }
    if (item_map[r.item] < 0) {
      item_map[r.item] = ds.num_items();
      ds.item_ids.push_back(item_names_[r.item]);
    }
    ds.interactions.push_back({user_map[r.user], item_map[r.item], r.rating, r.time});
  }

  // Item attributes: count how many items carry each value, drop rare values.
  for (size_t k = 0; k < item_kinds_.size(); ++k) {
    std::map<std::string, int64_t> count;
    std::vector<std::string> first_seen;
    for (const auto& item : ds.item_ids) {
      auto it = item_attrs_.find(item);
      if (it == item_attrs_.end()) continue;
      for (const auto& [kind, value] : it->second) {
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
    for (const auto& item : ds.item_ids) {
      auto it = item_attrs_.find(item);
      if (it != item_attrs_.end()) {
        for (const auto& [kind, value] : it->second) {
          if (kind != static_cast<int32_t>(k)) continue;
          auto v = vid.find(value);
          if (v != vid.end()) attr.value_ids.push_back(v->second);
        }
      }
      attr.offsets.push_back(static_cast<int64_t>(attr.value_ids.size()));
    }
    ds.item_attributes.push_back(std::move(attr));
  }

  for (size_t k = 0; k < user_kinds_.size(); ++k) {
    UserAttribute attr;
    attr.kind = user_kinds_[k];
    attr.value_of_user.assign(ds.user_ids.size(), -1);
    std::unordered_map<std::string, int32_t> vid;
    for (size_t u = 0; u < ds.user_ids.size(); ++u) {
      auto it = user_attrs_.find(ds.user_ids[u]);
      if (it == user_attrs_.end()) continue;
      for (const auto& [kind, value] : it->second) {
        if (kind != static_cast<int32_t>(k)) continue;
        auto [pos, inserted] = vid.emplace(value, static_cast<int32_t>(attr.values.size()));
        if (inserted) attr.values.push_back(value);
        attr.value_of_user[u] = pos->second;
      }
    }
    if (!attr.values.empty()) ds.user_attributes.push_back(std::move(attr));
  }
  return ds;
}

}  // namespace bcemb
